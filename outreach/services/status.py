"""The state of the whole system at a glance."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.adapters.models import Enrollment, EnrollmentState, Message, MessageState, Worker
from outreach.services.workers import live_workers


@dataclass(frozen=True)
class Status:
    """Workers alive, messages per state, what is due next, and deliveries held as unknown."""

    workers: list[Worker]
    messages: Counter[str]
    next_send_at: datetime | None
    next_step_due_at: datetime | None
    unknown: list[Message]


def system_status(session: Session, now: datetime, dead_after_seconds: float) -> Status:
    """Read the status in a handful of queries."""
    counts = session.exec(select(Message.state, func.count()).group_by(col(Message.state)))
    next_send = session.exec(
        select(func.min(Message.scheduled_at)).where(Message.state == MessageState.QUEUED.value)
    ).one()
    next_step = session.exec(
        select(func.min(Enrollment.next_due_at)).where(
            Enrollment.state == EnrollmentState.ACTIVE.value
        )
    ).one()
    unknown = session.exec(
        select(Message).where(Message.state == MessageState.UNKNOWN.value).order_by(col(Message.id))
    )
    return Status(
        workers=live_workers(session, now, dead_after_seconds),
        messages=Counter({state: count for state, count in counts}),
        next_send_at=next_send,
        next_step_due_at=next_step,
        unknown=list(unknown),
    )
