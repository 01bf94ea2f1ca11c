"""Record what a creator answered (by hand or by the inbox sync) and act on it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, select

from outreach.adapters.models import (
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Message,
)
from outreach.services.history import record_event
from outreach.services.sequences import active_sequences, end_enrollment
from outreach.services.suppressions import add_suppression


class ReplyKind(StrEnum):
    """What came back from a creator."""

    REPLY = "reply"
    BOUNCE = "bounce"
    OPT_OUT = "opt-out"


_EFFECTS = {
    ReplyKind.REPLY: (EnrollmentState.REPLIED, CreatorStatus.REPLIED, "replied"),
    ReplyKind.BOUNCE: (EnrollmentState.BOUNCED, CreatorStatus.BOUNCED, "address bounced"),
    ReplyKind.OPT_OUT: (EnrollmentState.OPTED_OUT, CreatorStatus.OPTED_OUT, "opted out"),
}


def record_reply(
    session: Session, creator: Creator, kind: ReplyKind, now: datetime, note: str = ""
) -> int:
    """End every active sequence of the creator; bounces and opt-outs also suppress the address.

    Returns how many sequences ended.  Nothing is committed: the caller's transaction holds the
    whole item, so a crash never leaves a reply recorded without its suppression.
    """
    enrollment_state, creator_status, reason = _EFFECTS[kind]
    summary = f"{kind.value} recorded" + (f": {note}" if note else "")
    record_event(session, creator, kind.value.replace("-", "_"), summary, now)
    ended = 0
    for enrollment in active_sequences(session, creator.id):
        end_enrollment(session, enrollment, creator, enrollment_state, reason, now)
        ended += 1
    if creator.status != creator_status.value:
        record_event(session, creator, "status_changed",
                     f"{creator.status} → {creator_status.value}", now)  # fmt: skip
    creator.status = creator_status.value
    session.add(creator)
    if kind is not ReplyKind.REPLY:
        # An opt-out is honoured everywhere at once: every campaign, any future one.
        add_suppression(session, creator.email, f"{reason} ({note or 'recorded by hand'})", now,
                        source=kind.value)  # fmt: skip
    return ended


def record_failed_delivery(
    session: Session, creator: Creator, message: Message, now: datetime, reason: str
) -> int:
    """A message that was not delivered ends its own sequence as bounced; the address stays.

    Whether the address itself is bad is another question (see `record_reply` with BOUNCE):
    a 5.7.1 policy rejection or a full mailbox says nothing about the creator's other campaigns.
    Returns how many sequences ended (0 or 1).  Nothing is committed.
    """
    if message.enrollment_id is not None:
        statement = select(Enrollment).where(Enrollment.id == message.enrollment_id)
    else:
        statement = select(Enrollment).where(
            Enrollment.creator_id == creator.id, Enrollment.campaign == message.campaign
        )
    ended = 0
    for enrollment in session.exec(statement.where(
        Enrollment.state == EnrollmentState.ACTIVE.value
    )):  # fmt: skip
        end_enrollment(session, enrollment, creator, EnrollmentState.BOUNCED,
                       f"message {message.id} was not delivered: {reason}", now)  # fmt: skip
        ended += 1
    return ended
