"""An answer's own Date, bounded by our send and the sync; absurd ones fall back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outreach.core.answer_times import answered_at

SENT = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
SYNCED = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # a week later: no worker ran
WRITTEN = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stated", "sent", "expected"),
    [
        (WRITTEN, SENT, WRITTEN),  # a week-old reply keeps its own date
        (None, SENT, SYNCED),
        (WRITTEN.replace(tzinfo=None), SENT, SYNCED),  # no zone: not believable
        (SENT - timedelta(minutes=5), SENT, SENT),  # their clock a little behind
        (SYNCED + timedelta(hours=2), SENT, SYNCED),  # a little ahead
        (SYNCED + timedelta(days=30), SENT, SYNCED),  # absurd future
        (datetime(1999, 1, 1, tzinfo=UTC), SENT, SYNCED),  # absurd past
        (WRITTEN, None, WRITTEN),  # unmatched mail keeps its date
        (SYNCED - timedelta(days=400), None, SYNCED),
    ],
)
def test_an_answer_counts_from_its_own_date_within_what_is_possible(
    stated: datetime | None, sent: datetime | None, expected: datetime
) -> None:
    assert answered_at(stated, sent, SYNCED) == expected
