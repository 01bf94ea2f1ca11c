"""Counters shared by workers: daily caps, named slots held for a while, running totals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlmodel import Session

from outreach.adapters.database import upsert_into
from outreach.adapters.models import SendCounter, table_of

# The table, not the ORM class: these statements run on the send path for every message, and
# the ORM's bulk-statement machinery costs several times the statement itself.
COUNTERS = table_of(SendCounter)


def _upsert(session: Session) -> Any:
    return upsert_into(session.get_bind().dialect.name, COUNTERS)


def _take_slot_statement(dialect: str) -> Any:
    return (
        upsert_into(dialect, COUNTERS)
        .values(scope=bindparam("scope"), day=bindparam("day"), sent=1)
        .on_conflict_do_update(
            index_elements=["scope", "day"],
            set_={"sent": COUNTERS.c.sent + 1},
            where=COUNTERS.c.sent < bindparam("cap"),
        )
        .returning(COUNTERS.c.scope)
    )


# Built once: every message takes two or three slots, and building costs more than running.
_TAKE_SLOT = {dialect: _take_slot_statement(dialect) for dialect in ("sqlite", "postgresql")}


def take_slot(session: Session, scope: str, day: str, cap: int) -> bool:
    """Count one send against a daily cap in one atomic statement; False when it is full."""
    statement = _TAKE_SLOT[session.get_bind().dialect.name]
    params = {"scope": scope, "day": day, "cap": cap}
    return session.connection().execute(statement, params).first() is not None


def claim_until(session: Session, scope: str, now: datetime, gap: timedelta) -> datetime | None:
    """Hold a named slot (a mailbox's next send, an inbox sync) until now + span.

    Returns None when taken, else the moment the current holder's span ends.
    """
    insert = _upsert(session).values(scope=scope, day="*", next_send_at=now + gap)
    next_send_at = COUNTERS.c.next_send_at
    statement = insert.on_conflict_do_update(
        index_elements=["scope", "day"],
        set_={"next_send_at": now + gap},
        where=or_(next_send_at.is_(None), next_send_at <= now),
    ).returning(COUNTERS.c.scope)
    connection = session.connection()
    if connection.execute(statement).first() is not None:
        return None
    holder = select(next_send_at).where(COUNTERS.c.scope == scope, COUNTERS.c.day == "*")
    until: datetime | None = connection.execute(holder).scalar_one()
    assert until is not None
    return until


def add_to_counter(session: Session, scope: str, day: str, amount: int = 1) -> None:
    """Add to a running count in one atomic statement (no cap)."""
    insert = _upsert(session).values(scope=scope, day=day, sent=amount)
    statement = insert.on_conflict_do_update(
        index_elements=["scope", "day"], set_={"sent": COUNTERS.c.sent + amount}
    )
    session.connection().execute(statement)


def give_back_slot(session: Session, scope: str, day: str) -> None:
    """Undo one take_slot of a send that never left (the mailbox could not log in)."""
    statement = (
        update(COUNTERS)
        .where(COUNTERS.c.scope == scope, COUNTERS.c.day == day, COUNTERS.c.sent > 0)
        .values(sent=COUNTERS.c.sent - 1)
    )
    session.connection().execute(statement)
