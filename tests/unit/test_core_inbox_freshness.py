"""The freshness rule: a campaign message goes only after a recent inbox read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outreach.core.inbox_freshness import WAITING_FOR_INBOX, inbox_wait_reason

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
FRESH = timedelta(minutes=10)


@pytest.mark.parametrize(
    ("last_read", "due", "expected"),
    [
        (NOW, NOW, None),  # read at the very moment it became due
        (NOW - timedelta(minutes=1), NOW - timedelta(minutes=5), None),
        (NOW - timedelta(minutes=9, seconds=59), None, None),
        (None, NOW, "it has not been read yet"),
        (NOW - timedelta(minutes=1), NOW, "last read 2026-12-05 09:59 UTC, before this message"),
        (NOW - timedelta(minutes=10), NOW - timedelta(hours=1), "not read since 2026-12-05 09:50"),
        (NOW - timedelta(days=3), NOW - timedelta(days=4), "not read since 2026-12-02 10:00"),
    ],
)
def test_a_message_waits_unless_the_inbox_was_read_after_it_was_due_and_recently(
    last_read: datetime | None, due: datetime | None, expected: str | None
) -> None:
    reason = inbox_wait_reason(last_read, due, NOW, FRESH)

    if expected is None:
        assert reason is None
    else:
        assert reason is not None
        assert reason.startswith(WAITING_FOR_INBOX) and expected in reason
