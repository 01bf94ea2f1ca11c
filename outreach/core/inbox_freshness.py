"""Never send blind: a campaign message goes out only after the inbox was read, and recently."""

from __future__ import annotations

from datetime import datetime, timedelta

# The reason a message waits starts with this, so the outbox, status and report can count them.
WAITING_FOR_INBOX = "waiting for the inbox"


def inbox_wait_reason(
    last_read_at: datetime | None, due_at: datetime | None, now: datetime, fresh: timedelta
) -> str | None:
    """Why a message due at `due_at` must wait for the inbox, or None when it may go now.

    It may go when the inbox was read successfully at or after the moment it became due (every
    answer that came before is then known) and less than `fresh` ago (an inbox that stopped
    being read holds everything, e.g. after a restart or with a wrong password).
    """
    if last_read_at is None:
        return f"{WAITING_FOR_INBOX}: it has not been read yet"
    read = f"{last_read_at:%Y-%m-%d %H:%M} UTC"
    if due_at is not None and last_read_at < due_at:
        return f"{WAITING_FOR_INBOX}: last read {read}, before this message was due"
    if now - last_read_at >= fresh:
        return f"{WAITING_FOR_INBOX}: not read since {read}"
    return None


def inbox_failing(last_read_at: datetime | None, last_error_at: datetime | None) -> bool:
    """Whether an inbox's latest attempt to read it failed."""
    return last_error_at is not None and (last_read_at is None or last_error_at > last_read_at)
