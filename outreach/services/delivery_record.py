"""A delivered message recorded in a few prebuilt Core statements: the send path's hot write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, update
from sqlmodel import Session

from outreach.adapters.models import (
    Creator,
    CreatorStatus,
    EnrollmentState,
    Message,
    MessageState,
    UTCDateTime,
    table_of,
)
from outreach.services.history import add_event
from outreach.services.sequences import finish_sequence, next_step_due

_MESSAGES = table_of(Message)
_CREATORS = table_of(Creator)


@dataclass(frozen=True)
class Delivered:
    """What recording a delivery needs to know of the message, read as it was marked sent."""

    creator_id: int
    enrollment_id: int | None
    campaign: str | None
    step: int | None
    next_step_delay_seconds: int | None
    template: str
    language: str
    to_address: str
    subject: str
    message_id: str
    body_text: str
    mailbox: str | None


def _mark_sent_statement() -> Any:
    m = _MESSAGES.c
    # Sent only if this sender still holds it, or housekeeping declared it "unknown" (we
    # looked dead): a message that did go out is recorded as sent, which settles the question.
    held = or_(
        m.state == MessageState.UNKNOWN.value,
        and_(m.state == MessageState.SENDING.value, m.lease_owner == bindparam("b_owner")),
    )
    return (
        update(_MESSAGES)
        .where(m.id == bindparam("b_id"), held)
        .values(
            state=MessageState.SENT.value,
            sent_at=bindparam("b_now", type_=UTCDateTime()),
            smtp_response=bindparam("b_answer"),
            last_error=None,  # a 452 before the retry that went through is history now
            lease_owner=None,
            lease_expires_at=None,
        )
        .returning(*(m[name] for name in Delivered.__dataclass_fields__))
    )


_MARK_SENT = _mark_sent_statement()
_CONTACTED = (
    update(_CREATORS)
    .where(
        _CREATORS.c.id == bindparam("b_creator"),
        _CREATORS.c.status == CreatorStatus.NEW.value,
    )
    .values(status=CreatorStatus.CONTACTED.value)
)


def record_delivered(
    session: Session,
    message_id: int,
    owner: str,
    answer: str,
    now: datetime,
    next_delay: Callable[[Delivered], timedelta | None],
) -> Delivered | None:
    """Mark the message sent, log it, and schedule the sequence's next step (or finish it).

    None (and nothing changed) when another sender holds the message or it is settled.
    The caller commits.
    """
    connection = session.connection()
    params = {"b_id": message_id, "b_owner": owner, "b_now": now, "b_answer": answer}
    row = connection.execute(_MARK_SENT, params).one_or_none()
    if row is None:
        return None
    sent = Delivered(*row)
    connection.execute(_CONTACTED, {"b_creator": sent.creator_id})
    add_event(
        session,
        sent.creator_id,
        "sent",
        f"sent {sent.template!r} ({sent.language}) to {sent.to_address}: {sent.subject}",
        now,
        message_id=message_id,
        detail={"message_id": sent.message_id, "answer": answer, "text": sent.body_text},
    )
    if sent.enrollment_id is not None:
        delay = next_delay(sent)
        if delay is None:
            finish_sequence(session, sent.enrollment_id, sent.creator_id,
                            EnrollmentState.COMPLETED, "sequence finished", now)  # fmt: skip
        else:
            next_step_due(session, sent.enrollment_id, now + delay, now)
    return sent
