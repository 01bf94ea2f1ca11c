"""The rules on commercial email that depend on the creator's country (not legal advice).

Korea: the Act on Promotion of Information and Communications Network Utilization and
Information Protection (정보통신망법), article 50(3), forbids advertising information sent by
electronic means between 21:00 and 08:00 (Korea time) without separate consent. Korea keeps
one time zone without daylight saving, so the quiet hours are fixed in Asia/Seoul.

Where an address came from decides whether we may write at all: Japan allows cold mail only
with consent or to an address published for business, Korea only with prior consent, and
Europe's first message must say where the address was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """Hours in a zone when no advertising mail may go (start > end: across midnight)."""

    start: time
    end: time
    zone: ZoneInfo
    rule: str  # where it comes from, as the put-off reason names it

    def next_allowed(self, moment: datetime) -> datetime | None:
        """None when mail may go at the moment; else the moment the quiet hours end."""
        local = moment.astimezone(self.zone)
        now = local.time()
        quiet = now >= self.start or now < self.end if self.start > self.end else (
            self.start <= now < self.end)  # fmt: skip
        if not quiet:
            return None
        ends = datetime.combine(local.date(), self.end, self.zone)
        if ends <= local:
            ends += timedelta(days=1)  # evening: the quiet hours end tomorrow morning
        return ends.astimezone(moment.tzinfo)


KOREA_QUIET_HOURS = QuietHours(
    start=time(21, 0), end=time(8, 0), zone=ZoneInfo("Asia/Seoul"),
    rule="Korea's Network Act art. 50(3): no advertising mail 21:00-08:00 Korea time",
)  # fmt: skip


def quiet_hours_for(country: str | None) -> QuietHours | None:
    """The quiet hours the creator's country imposes, if any."""
    return KOREA_QUIET_HOURS if korean_advertising(country) else None


@dataclass(frozen=True)
class PostalRule:
    """A country's rule that every commercial message shows the sender's postal address."""

    countries: str  # how the reason names them, e.g. "JP"
    rule: str


_POSTAL_RULES = {
    "JP": PostalRule("JP", "Japan's Act on Specified Electronic Mail, art. 4"),
    "US": PostalRule("US", "CAN-SPAM, 15 U.S.C. 7704(a)(5)"),
}
# The EU, the EEA, the UK and Switzerland.
_EUROPE = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
    "GB", "CH",
})  # fmt: skip


def postal_rule(country: str | None) -> PostalRule | None:
    """The rule asking for a postal address in mail to this country (None: none asks)."""
    code = _code(country)
    if code == "KR":
        return None  # Korea asks for the sender's name and contact, which every message has
    if code in _POSTAL_RULES:
        return _POSTAL_RULES[code]
    if code in _EUROPE:
        return PostalRule(code, "the EU e-Commerce Directive, art. 5 (the sender's address)")
    # Anywhere else, or unknown: the strictest common set (sender, postal address, opt-out).
    return PostalRule(code or "unknown country", "the common rule for commercial mail")


def needs_complaints_contact(country: str | None) -> bool:
    """Whether mail to this country must name a contact for complaints (Japan does)."""
    return _code(country) == "JP"


def in_europe(country: str | None) -> bool:
    """Whether GDPR (or the UK's or Switzerland's copy of it) covers the creator."""
    return _code(country) in _EUROPE


KOREAN_AD_MARKER = "(광고)"  # Network Act art. 50(4): first in the subject of advertising mail


def korean_advertising(country: str | None) -> bool:
    """Whether Korea's rules for advertising mail apply to this creator."""
    return _code(country) == "KR"


def lacks_ad_marker(subject: str, country: str | None, advertising: bool) -> bool:
    """Whether an advertising subject to Korea fails to start with exactly (광고)."""
    return advertising and korean_advertising(country) and not subject.startswith(
        KOREAN_AD_MARKER)  # fmt: skip


def _code(country: str | None) -> str:
    """The country code as compared here (a creator may have none)."""
    return (country or "").upper()


SOURCE_REFUSED = "source not allowed"  # how every source refusal begins (planning releases them)
# Japan's Act on Specified Electronic Mail, art. 3(1): consent, or an address the person
# published on the internet for business (art. 3(1)(iv)), which a bio or site stands for here.
_JAPAN_SOURCES = frozenset({"bio", "website", "consent"})


def source_refusal(
    country: str | None, email_source: str | None, advertising: bool = True
) -> str | None:
    """Why the creator's country forbids writing to an address from this source (None: allowed)."""
    code, shown = _code(country), repr(email_source) if email_source else "not recorded"
    if code == "JP" and email_source not in _JAPAN_SOURCES:
        return (f"{SOURCE_REFUSED} for JP: email_source is {shown}; Japan's Act on Specified "
                "Electronic Mail, art. 3, allows this mail only with consent or to an address "
                "published for business (bio, website)")  # fmt: skip
    if code == "KR" and advertising and email_source != "consent":
        return (f"{SOURCE_REFUSED} for KR: email_source is {shown}; Korea's Network Act "
                "art. 50(1) allows advertising mail only with prior consent (or mark the "
                "campaign advertising = false if it is not advertising)")  # fmt: skip
    if code in _EUROPE and not email_source:
        return (f"{SOURCE_REFUSED} for {code}: email_source is not recorded; GDPR art. 14 "
                "asks the first message to say where the address was found")  # fmt: skip
    return None
