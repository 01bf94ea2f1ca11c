"""Forms of address per language: first names in English, 様/さん in Japanese, 님 in Korean."""

from outreach.core.languages import CJK_CHARACTER


class EmptyAddressError(ValueError):
    """The name to address is blank, so a greeting would read 'Hi ,'."""


# Words after a comma that are not a first name ("Ann Lee, PhD"): the name is before it.
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq", "dds"})


def _require(name: str | None) -> str:
    # A stray comma or semicolon at either end would print "Hi Ann,,".
    cleaned = " ".join((name or "").split()).strip(",;: ")
    if not cleaned:
        raise EmptyAddressError("the name is empty")
    return cleaned


def first_name(name: str | None) -> str:
    """First name for a Western name; CJK names are kept whole (family name comes first)."""
    cleaned = _require(name)
    if CJK_CHARACTER.search(cleaned):
        return cleaned
    if "," in cleaned:
        before, after = (part.strip() for part in cleaned.split(",", 1))
        given = after.split(" ")[0].strip(",;:") if after else ""
        # "Lee, Ann" (family name first, as CRMs export it) or "Ann Lee, PhD".
        if given and given.strip(".").lower() not in _SUFFIXES:
            return given
        cleaned = before or cleaned
    return cleaned.split(" ")[0].strip(",;:")


def sama(name: str | None) -> str:
    """Formal Japanese address: 佐藤美咲様."""
    return _require(name) + "様"


def san(name: str | None) -> str:
    """Friendly Japanese address: 佐藤さん."""
    return _require(name) + "さん"


def nim(name: str | None) -> str:
    """Polite Korean address: 김민지님."""
    return _require(name) + "님"


def addressee(name: str | None, language: str) -> str:
    """The polite way to address someone in a first message in the given language."""
    if language == "ja":
        return sama(name)
    if language == "ko":
        return nim(name)
    return first_name(name)
