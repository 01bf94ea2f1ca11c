"""A creator's sequence in a campaign ending or resuming: one way, from every place."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
)
from outreach.errors import NotFoundError, OutreachError
from outreach.services.history import record_event
from outreach.services.suppressions import suppression_for


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


def resume_enrollment(
    session: Session, enrollment: Enrollment, creator: Creator, now: datetime
) -> None:
    """Start a sequence a failed delivery stopped again: its next step is due at once.

    Only a bounced sequence resumes; one the creator ended (replied, opted out) never does.
    Nothing is committed.
    """
    if enrollment.state != EnrollmentState.BOUNCED.value:
        raise OutreachError(
            f"@{creator.handle} in campaign {enrollment.campaign!r} is {enrollment.state}, "
            "not bounced: only a sequence stopped by a failed delivery can be resumed"
        )
    enrollment.state = EnrollmentState.ACTIVE.value
    enrollment.end_reason = None
    enrollment.next_due_at = now
    enrollment.updated_at = now
    session.add(enrollment)
    record_event(session, creator, "sequence_resumed",
                 f"campaign {enrollment.campaign!r}: resumed at step {enrollment.next_step}",
                 now)  # fmt: skip


def resume_creator_sequence(
    session: Session, campaign: str, creator: Creator, now: datetime
) -> Enrollment:
    """Resume the creator's sequence in this campaign that a failed delivery stopped.

    Refused while the address is suppressed: unsuppress it first (after fixing it), so the
    resumed step does not go straight back to a dead address. Nothing is committed.
    """
    enrollment = session.exec(
        select(Enrollment).where(Enrollment.campaign == campaign,
                                 Enrollment.creator_id == creator.id)
    ).first()  # fmt: skip
    if enrollment is None:
        raise NotFoundError(f"@{creator.handle} is not enrolled in campaign {campaign!r}")
    if creator.status in (CreatorStatus.OPTED_OUT.value, CreatorStatus.BOUNCED.value):
        raise OutreachError(
            f"@{creator.handle} is {creator.status} (the address was refused or they asked us "
            "to stop): no sequence of theirs can be resumed"
        )
    blocked = suppression_for(session, creator.email)
    if blocked is not None:
        raise OutreachError(
            f"<{creator.email}> is suppressed ({blocked.address}: {blocked.reason}); fix the "
            f"address, then `outreach suppress remove {blocked.address}`, then resume"
        )
    resume_enrollment(session, enrollment, creator, now)
    return enrollment
