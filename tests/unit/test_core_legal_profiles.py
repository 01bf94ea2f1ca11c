"""Country rules: Korea's quiet hours for advertising mail (21:00-08:00 Korea time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outreach.core.legal_profiles import KOREA_QUIET_HOURS, quiet_hours_for


@pytest.mark.parametrize(
    ("utc_hour", "allowed_at"),
    [
        (0, None),  # 09:00 in Seoul
        (11, None),  # 20:00: the last hour before the quiet hours
        (12, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),  # 21:00: until 08:00 next morning
        (13, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),  # 22:00
        (22, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),  # 07:00 the next day: an hour left
        (23, None),  # 08:00: mail may go again
    ],
)
def test_korean_quiet_hours(utc_hour: int, allowed_at: datetime | None) -> None:
    assert KOREA_QUIET_HOURS.next_allowed(datetime(2026, 12, 1, utc_hour, tzinfo=UTC)) == (
        allowed_at
    )


def test_only_korea_has_quiet_hours_here() -> None:
    assert quiet_hours_for("kr") is KOREA_QUIET_HOURS
    assert quiet_hours_for("JP") is None and quiet_hours_for(None) is None
