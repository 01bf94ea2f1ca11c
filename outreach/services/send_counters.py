"""Counters shared by workers: daily caps, named slots held for a while, running totals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from outreach.adapters.models import SendCounter


def _upsert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return pg_insert if dialect == "postgresql" else sqlite_insert


def take_slot(session: Session, scope: str, day: str, cap: int) -> bool:
    """Count one send against a daily cap in one atomic statement; False when it is full."""
    insert = _upsert(session)(SendCounter).values(scope=scope, day=day, sent=1)
    statement = insert.on_conflict_do_update(
        index_elements=["scope", "day"],
        set_={"sent": SendCounter.sent + 1},
        where=col(SendCounter.sent) < cap,
    ).returning(col(SendCounter.scope))
    return session.exec(statement).first() is not None


def claim_until(session: Session, scope: str, now: datetime, gap: timedelta) -> datetime | None:
    """Hold a named slot (a mailbox's next send, an inbox sync) until now + span.

    Returns None when taken, else the moment the current holder's span ends.
    """
    insert = _upsert(session)(SendCounter).values(scope=scope, day="*", next_send_at=now + gap)
    statement = insert.on_conflict_do_update(
        index_elements=["scope", "day"],
        set_={"next_send_at": now + gap},
        where=or_(col(SendCounter.next_send_at).is_(None), col(SendCounter.next_send_at) <= now),
    ).returning(col(SendCounter.scope))
    if session.exec(statement).first() is not None:
        return None
    counter = session.get(SendCounter, (scope, "*"))
    assert counter is not None and counter.next_send_at is not None
    return counter.next_send_at


def add_to_counter(session: Session, scope: str, day: str, amount: int = 1) -> None:
    """Add to a running count in one atomic statement (no cap)."""
    insert = _upsert(session)(SendCounter).values(scope=scope, day=day, sent=amount)
    statement = insert.on_conflict_do_update(
        index_elements=["scope", "day"], set_={"sent": SendCounter.sent + amount}
    )
    session.exec(statement)


def give_back_slot(session: Session, scope: str, day: str) -> None:
    """Undo one take_slot of a send that never left (the mailbox could not log in)."""
    statement = (
        update(SendCounter)
        .where(col(SendCounter.scope) == scope, col(SendCounter.day) == day)
        .where(col(SendCounter.sent) > 0)
        .values(sent=SendCounter.sent - 1)
    )
    session.exec(statement)
