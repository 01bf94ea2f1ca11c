"""The IANA time zone names a creator or a campaign window may give."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows, read once (it walks the zone folders)."""
    # "localtime" names whatever the machine is set to, never a recipient's zone.
    return frozenset(available_timezones() - {"localtime"})
