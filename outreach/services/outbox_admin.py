"""What a person does with the outbox: list it, settle unknowns, approve drafts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Creator,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
)
from outreach.errors import NotFoundError, OutreachError
from outreach.services.history import record_event
from outreach.services.outbox import stored_next_delay
from outreach.services.sequences import end_enrollment


@dataclass(frozen=True)
class OutboxRow:
    """One message as listed, with its creator's handle."""

    message: Message
    handle: str

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of `outreach outbox list --format json`."""
        m = self.message
        return {
            "id": m.id,
            "creator": self.handle,
            "to": m.to_address,
            "campaign": m.campaign,
            "step": m.step,
            "template": m.template,
            "state": m.state,
            "message_id": None if m.state == MessageState.HELD.value else m.message_id,
            "attempts": m.attempts,
            "last_error": m.last_error,
            "scheduled_at": m.scheduled_at.isoformat() if m.scheduled_at else None,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        }


def list_outbox(
    session: Session, state: str | None = None, campaign: str | None = None
) -> list[OutboxRow]:
    """Messages, oldest first, filtered by state and campaign."""
    statement = select(Message, Creator.handle).join(Creator).order_by(col(Message.id))
    if state:
        statement = statement.where(Message.state == state)
    if campaign:
        statement = statement.where(Message.campaign == campaign)
    return [OutboxRow(message, handle) for message, handle in session.exec(statement)]


def resolve(
    session: Session,
    message_id: int,
    sent: bool,
    now: datetime,
    next_delay: Callable[[Message], timedelta | None] | None = None,
) -> Message:
    """Settle an unknown (or failed, or held) message: it was sent, or send it again.

    next_delay gives the wait before the sequence's next step; without it the next planning
    pass takes the sequence on at once.
    """
    message = session.get(Message, message_id)
    if message is None:
        raise NotFoundError(f"no message {message_id}; see 'outreach outbox list'")
    allowed = (MessageState.UNKNOWN, MessageState.FAILED, MessageState.HELD)
    if message.state not in {s.value for s in allowed}:
        raise OutreachError(
            f"message {message_id} is {message.state}; only unknown, failed or held messages "
            "are resolved by hand"
        )
    creator = session.get(Creator, message.creator_id)
    assert creator is not None
    if sent:
        delay = (
            next_delay(message)
            if next_delay
            else stored_next_delay(message.next_step_delay_seconds)
        )
        _confirm_sent(session, message, creator, now, delay)
    elif message.state == MessageState.HELD.value:
        _replan(session, message, creator, now)
    else:
        message.state = MessageState.QUEUED.value
        message.scheduled_at = now
        record_event(session, creator, "resend", f"message {message_id} queued again by a person",
                     now, message_id=message.id)  # fmt: skip
    session.add(message)
    session.commit()
    return message


def _confirm_sent(
    session: Session, message: Message, creator: Creator, now: datetime, delay: timedelta | None
) -> None:
    if message.state == MessageState.HELD.value:
        raise OutreachError(f"message {message.id} was never rendered; use --resend")
    message.state = MessageState.SENT.value
    message.sent_at = message.sent_at or now
    record_event(session, creator, "sent", f"message {message.id} confirmed sent by a person",
                 now, message_id=message.id)  # fmt: skip
    enrollment = session.get(Enrollment, message.enrollment_id) if message.enrollment_id else None
    if enrollment is not None and enrollment.state == EnrollmentState.ACTIVE.value:
        if delay is None:  # that was the last step
            end_enrollment(session, enrollment, creator, EnrollmentState.COMPLETED,
                           "sequence finished", now)  # fmt: skip
        else:
            # The person's confirmation is the send time we know; the next step waits its delay.
            enrollment.next_due_at = now + delay
            session.add(enrollment)


def _replan(session: Session, message: Message, creator: Creator, now: datetime) -> None:
    """A held step is rendered again, into the same row, by the next planning pass."""
    enrollment = session.get(Enrollment, message.enrollment_id) if message.enrollment_id else None
    if enrollment is None:
        raise OutreachError(f"message {message.id} belongs to no campaign sequence")
    assert message.step is not None
    enrollment.next_step = message.step
    enrollment.next_due_at = now
    session.add(enrollment)
    record_event(session, creator, "resend", f"held step {message.step} will be planned again",
                 now, message_id=message.id)  # fmt: skip


def drafts(session: Session) -> list[OutboxRow]:
    """Proposals waiting for a person's approval."""
    return list_outbox(session, state=MessageState.DRAFT.value)


def approve(session: Session, message_id: int | None, now: datetime, skip: bool = False) -> int:
    """Approve one draft (or all when message_id is None), or skip one; returns how many."""
    pending = [row.message for row in drafts(session)]
    if message_id is not None:
        if session.get(Message, message_id) is None:
            raise NotFoundError(f"no message {message_id}; see 'outreach approve'")
        pending = [m for m in pending if m.id == message_id]
        if not pending:
            raise NotFoundError(f"message {message_id} is not a draft; see 'outreach approve'")
    for message in pending:
        creator = session.get(Creator, message.creator_id)
        assert creator is not None
        if skip:
            message.state = MessageState.SKIPPED.value
            enrollment = session.get(Enrollment, message.enrollment_id)
            if enrollment is not None:
                end_enrollment(session, enrollment, creator, EnrollmentState.STOPPED,
                               "proposal skipped by a person", now)  # fmt: skip
        else:
            message.state = MessageState.QUEUED.value
            record_event(session, creator, "approved", f"{message.template!r} approved", now,
                         message_id=message.id)  # fmt: skip
        session.add(message)
    session.commit()
    return len(pending)
