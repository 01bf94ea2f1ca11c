"""Polite timing: step delays, the recipient's zone, sending windows, gaps and cap days."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.core.countries import timezone_for_country

if TYPE_CHECKING:
    # Only for annotations: campaign_spec imports parse_delay from here at run time.
    from outreach.core.campaign_spec import Limits, Window

SEARCH_DAYS = 8
_DELAY = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_ONE_DAY_SECONDS = 86_400


def parse_delay(text: str) -> timedelta:
    """A step delay such as "0d", "4d", "36h", "30m" or "1d12h" as a timedelta."""
    match = _DELAY.match(text.strip().lower()) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        raise ValueError(
            f"{text!r} is not a delay: use whole numbers with units d, h, m in that order, "
            "like '0d', '4d', '36h', '30m' or '1d12h'"
        )
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def recipient_zone(
    creator_timezone: str | None, country: str | None, campaign_timezone: str | None
) -> ZoneInfo:
    """The creator's zone, else their country's, else the campaign window's, else UTC."""
    for name in (creator_timezone, timezone_for_country(country or ""), campaign_timezone):
        zone = _zone(name)
        if zone is not None:
            return zone
    return ZoneInfo("UTC")


def in_window(moment: datetime, window: Window | None, zone: ZoneInfo) -> bool:
    """Whether the aware moment falls inside the window in the zone; no window = always."""
    _require_aware(moment)
    if window is None:
        return True
    local = moment.astimezone(zone)
    # Wall-clock rule, end exclusive: in a repeated (fall-back) hour both passes count.
    return local.weekday() in window.weekdays and window.start <= local.time() < window.end


def next_window_start(moment: datetime, window: Window | None, zone: ZoneInfo) -> datetime:
    """The moment itself (in UTC) when inside the window, else the window's next opening."""
    if in_window(moment, window, zone):
        return moment.astimezone(UTC)
    assert window is not None  # in_window is always true without a window
    first_day = moment.astimezone(zone).date()
    # A window opens either when the wall clock reaches its start or when a UTC-offset
    # change jumps the wall clock into it (a start in a skipped hour opens at the jump).
    candidates = [
        instant
        for offset in range(-1, SEARCH_DAYS + 1)
        for instant in _openings(first_day + timedelta(days=offset), window.start, zone)
        if instant > moment and in_window(instant, window, zone)
    ]
    if not candidates:
        raise ValueError(f"the window opens on no day within {SEARCH_DAYS} days of {moment}")
    return min(candidates)


def send_gap(limits: Limits, rng: random.Random) -> timedelta:
    """The wait before a mailbox's next send: min_gap_seconds plus 0..jitter_seconds."""
    # A fixed interval looks automated to receiving filters; the jitter makes it irregular.
    return timedelta(seconds=limits.min_gap_seconds + rng.uniform(0, limits.jitter_seconds))


def utc_day(moment: datetime) -> date:
    """The UTC date of an aware moment: daily caps count per UTC day, not the recipient's."""
    _require_aware(moment)
    return moment.astimezone(UTC).date()


def _openings(day: date, start: time, zone: ZoneInfo) -> list[datetime]:
    """Instants on a local day that may open a window starting at start, in UTC."""
    local = datetime.combine(day, start, tzinfo=zone)
    # fold=0 is the first pass of a repeated hour, fold=1 the second (PEP 495).
    instants = [local.astimezone(UTC), local.replace(fold=1).astimezone(UTC)]
    change = _offset_change(day, zone)
    if change is not None:
        instants.append(change)
    return instants


def _offset_change(day: date, zone: ZoneInfo) -> datetime | None:
    """The first instant of a UTC-offset change during the local day, if there is one."""
    low = int(datetime.combine(day, time(), tzinfo=zone).timestamp())
    high = low + _ONE_DAY_SECONDS
    before = _offset_at(low, zone)
    if _offset_at(high, zone) == before:
        return None
    # Bisect to the second: zoneinfo does not expose its transitions.
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(middle, zone) == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _offset_at(timestamp: int, zone: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, zone).utcoffset()


def _zone(name: str | None) -> ZoneInfo | None:
    if not name or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        # An unknown name falls through to the next source rather than stop the plan.
        return None


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment} has no time zone; moments must be aware (UTC inside)")


def format_delay(delay: timedelta) -> str:
    """A delay the way campaign files write it: '4d', '36h', '1d12h', '30m', '0d'."""
    minutes = int(delay.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return "".join(parts) or "0d"
