"""A creator's sequence in a campaign ending or resuming: one way, from every place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from outreach.adapters.models import (
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
    UTCDateTime,
    table_of,
)
from outreach.errors import NotFoundError, OutreachError
from outreach.services.history import add_event, record_event
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
    assert enrollment.id is not None and creator.id is not None
    _closed(session, enrollment.id, enrollment.campaign, creator.id, state, reason, now)


_ENROLLMENTS, _MESSAGES = table_of(Enrollment), table_of(Message)
_PENDING = (MessageState.QUEUED.value, MessageState.DRAFT.value)
# Built once: the send path sets or ends a sequence with every message it sends.
_ACTIVE_ONE = update(_ENROLLMENTS).where(
    _ENROLLMENTS.c.id == bindparam("b_id"), _ENROLLMENTS.c.state == EnrollmentState.ACTIVE.value
)
_FINISH = _ACTIVE_ONE.values(
    state=bindparam("b_state"),
    end_reason=bindparam("b_reason"),
    next_due_at=None,
    updated_at=bindparam("b_now", type_=UTCDateTime()),
).returning(_ENROLLMENTS.c.campaign)
_NEXT_DUE = _ACTIVE_ONE.values(
    next_due_at=bindparam("b_due", type_=UTCDateTime()),
    updated_at=bindparam("b_now", type_=UTCDateTime()),
)
_CANCEL_PENDING = (
    update(_MESSAGES)
    .where(_MESSAGES.c.enrollment_id == bindparam("b_id"), _MESSAGES.c.state.in_(_PENDING))
    .values(state=MessageState.CANCELLED.value, last_error=bindparam("b_reason"))
)


def finish_sequence(
    session: Session,
    enrollment_id: int,
    creator_id: int,
    state: EnrollmentState,
    reason: str,
    now: datetime,
) -> bool:
    """end_enrollment for a sequence known by id, if it is still active (False: it was not).

    Core statements, for the send path; the caller commits.
    """
    params = {"b_id": enrollment_id, "b_state": state.value, "b_reason": reason, "b_now": now}
    campaign = session.connection().execute(_FINISH, params).scalar_one_or_none()
    if campaign is None:
        return False
    _closed(session, enrollment_id, campaign, creator_id, state, reason, now)
    return True


def next_step_due(session: Session, enrollment_id: int, due: datetime, now: datetime) -> None:
    """Set when an active sequence's next step is due (one Core statement; caller commits)."""
    params = {"b_id": enrollment_id, "b_due": due, "b_now": now}
    session.connection().execute(_NEXT_DUE, params)


def _closed(
    session: Session,
    enrollment_id: int,
    campaign: str,
    creator_id: int,
    state: EnrollmentState,
    reason: str,
    now: datetime,
) -> None:
    """What ending a sequence does beyond the enrolment: its queued messages, the history."""
    session.flush()  # messages changed in memory reach the table before the update below
    params = {"b_id": enrollment_id, "b_reason": reason}
    session.connection().execute(_CANCEL_PENDING, params)
    for item in list(session.identity_map.values()):
        # Loaded copies would otherwise still say queued (the update above bypasses them).
        if not isinstance(item, Message) or item.enrollment_id != enrollment_id:
            continue
        if item.state in _PENDING:
            item.state, item.last_error = MessageState.CANCELLED.value, reason
            session.add(item)
    add_event(session, creator_id, f"sequence_{state.value}",
              f"campaign {campaign!r}: {reason}", now)  # fmt: skip


_ACTIVE_OF = select(Enrollment).where(
    Enrollment.creator_id == bindparam("b_creator"),
    Enrollment.state == EnrollmentState.ACTIVE.value,
)


def active_sequences(session: Session, creator_id: int | None) -> list[Enrollment]:
    """The creator's sequences still running, in every campaign (a prebuilt query: every
    answer read asks it)."""
    return list(session.exec(_ACTIVE_OF, params={"b_creator": creator_id}))


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
