"""Forms of address per language: first names in English, 様/さん in Japanese, 님 in Korean."""

from outreach.core.languages import CJK_CHARACTER


class EmptyAddressError(ValueError):
    """The name to address is blank, so a greeting would read 'Hi ,'."""


def _require(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise EmptyAddressError("the name is empty")
    return cleaned


def first_name(name: str | None) -> str:
    """First name for a Western name; CJK names are kept whole (family name comes first)."""
    cleaned = _require(name)
    if CJK_CHARACTER.search(cleaned):
        return cleaned
    return cleaned.split(" ")[0]


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
