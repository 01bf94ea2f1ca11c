"""The label a sponsored or gifted post must carry, chosen from the creator's country.

Japan: #PR or #プロモーション (the stealth-marketing rule under the Premiums and Representations
Act, in force since October 2023). Korea: 협찬 for a gifted product, 광고 for a paid post (the
Fair Trade Commission's endorsement guidelines, the label at the start of the post). United
States (FTC Endorsement Guides), United Kingdom (ASA and CMA) and the European Union (Unfair
Commercial Practices Directive): #ad, which the UK regulators also expect for gifts the brand
has a say over. Elsewhere #ad as well, the label followers everywhere understand.
"""

from __future__ import annotations

from dataclasses import dataclass

EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})  # fmt: skip
_COUNTRY_OF_LANGUAGE = {"ja": "JP", "ko": "KR"}


@dataclass(frozen=True)
class Disclosure:
    """What a post must carry, and why."""

    tags: tuple[str, ...]  # the first is the one to use; the others are equally lawful
    country: str | None  # whose rule (None: no country known and no rule by language)
    rule: str  # the rule, in one line

    @property
    def tag(self) -> str:
        """The label to put in the post."""
        return self.tags[0]


def disclosure_for(country: str | None, language: str | None, offer: str) -> Disclosure:
    """The disclosure for a creator: by their country, else by their language, else #ad."""
    code = (country or "").upper() or None
    guessed = code is None and language in _COUNTRY_OF_LANGUAGE
    if guessed:
        code = _COUNTRY_OF_LANGUAGE[language or ""]
    found = _by_country(code, offer)
    if guessed:
        return Disclosure(found.tags, found.country, f"{found.rule} (country unknown: by language)")
    return found


def _by_country(code: str | None, offer: str) -> Disclosure:
    if code == "JP":
        return Disclosure(
            ("#PR", "#プロモーション"), "JP", "Japan: stealth-marketing rule, since 2023-10"
        )
    if code == "KR":
        paid = offer in ("paid", "affiliate")
        return Disclosure(
            ("광고",) if paid else ("협찬",),
            "KR",
            "Korea: FTC endorsement guidelines, the label first in the post",
        )
    if code == "US":
        return Disclosure(("#ad",), "US", "United States: FTC Endorsement Guides")
    if code == "GB":
        return Disclosure(("#ad",), "GB", "United Kingdom: ASA and CMA guidance")
    if code in EU_COUNTRIES:
        return Disclosure(("#ad",), code, "European Union: Unfair Commercial Practices Directive")
    return Disclosure(("#ad",), code, "no local rule on file: #ad, understood everywhere")
