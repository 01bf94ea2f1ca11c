"""Ending a creator's sequence in a campaign: one way, from every place that ends one."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Enrollment, EnrollmentState, Message, MessageState
from outreach.services.history import record_event


def end_enrollment(
    session: Session,
    enrollment: Enrollment,
    creator: Creator,
    state: EnrollmentState,
    reason: str,
    now: datetime,
) -> None:
    """End a sequence, cancel what it still had queued, and say so in the history."""
    enrollment.state = state.value
    enrollment.end_reason = reason
    enrollment.next_due_at = None
    enrollment.updated_at = now
    session.add(enrollment)
    pending = select(Message).where(
        Message.enrollment_id == enrollment.id,
        col(Message.state).in_([MessageState.QUEUED.value, MessageState.DRAFT.value]),
    )
    for message in session.exec(pending):
        message.state = MessageState.CANCELLED.value
        message.last_error = reason
        session.add(message)
    record_event(
        session, creator, f"sequence_{state.value}",
        f"campaign {enrollment.campaign!r}: {reason}", now,
    )  # fmt: skip
