"""When an answer was written: its own Date header, within what is possible."""

from __future__ import annotations

from datetime import datetime, timedelta

# A Date this far outside what is possible is a broken clock, not a clock a little off.
ABSURD = timedelta(days=1)
UNRELATED_AGE = timedelta(days=365)


def answered_at(stated: datetime | None, our_send: datetime | None, synced: datetime) -> datetime:
    """The moment an answer counts from: its Date, bounded by our send and the sync.

    It cannot be later than the moment it was read, nor earlier than the message it answers:
    a clock a little off is brought inside those bounds; a missing or absurd Date (a day or
    more outside them, or a year before the read when no message of ours is known) gives the
    sync time.
    """
    if stated is None or stated.tzinfo is None:
        return synced
    if stated > synced + ABSURD:
        return synced
    if our_send is not None and stated < our_send - ABSURD:
        return synced
    if our_send is None and stated < synced - UNRELATED_AGE:
        return synced
    bounded = min(stated, synced)
    return max(bounded, our_send) if our_send is not None else bounded
