"""The rules on commercial email that depend on the creator's country (not legal advice).

Korea: the Act on Promotion of Information and Communications Network Utilization and
Information Protection (정보통신망법), article 50(3), forbids advertising information sent by
electronic means between 21:00 and 08:00 (Korea time) without separate consent. Korea keeps
one time zone without daylight saving, so the quiet hours are fixed in Asia/Seoul.
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


def _code(country: str | None) -> str:
    """The country code as compared here (a creator may have none)."""
    return (country or "").upper()
