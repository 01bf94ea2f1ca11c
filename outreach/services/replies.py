"""Record what a creator answered (by hand now, by the inbox sync later) and act on it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, select

from outreach.adapters.models import Creator, CreatorStatus, Enrollment, EnrollmentState
from outreach.services.history import record_event
from outreach.services.sequences import end_enrollment
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

    Returns how many sequences ended.
    """
    enrollment_state, creator_status, reason = _EFFECTS[kind]
    summary = f"{kind.value} recorded" + (f": {note}" if note else "")
    record_event(session, creator, kind.value.replace("-", "_"), summary, now)
    active = select(Enrollment).where(
        Enrollment.creator_id == creator.id, Enrollment.state == EnrollmentState.ACTIVE.value
    )
    ended = 0
    for enrollment in session.exec(active):
        end_enrollment(session, enrollment, creator, enrollment_state, reason, now)
        ended += 1
    if creator.status != creator_status.value:
        record_event(session, creator, "status_changed",
                     f"{creator.status} → {creator_status.value}", now)  # fmt: skip
    creator.status = creator_status.value
    session.add(creator)
    session.commit()
    if kind is not ReplyKind.REPLY:
        # An opt-out is honoured everywhere at once: every campaign, any future one.
        add_suppression(session, creator.email, f"{reason} ({note or 'recorded by hand'})", now,
                        source=kind.value)  # fmt: skip
    return ended
