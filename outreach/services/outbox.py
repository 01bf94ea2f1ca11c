"""The outbox: store a composed message, then record how its delivery ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
)
from outreach.core.smtp_answers import recipient_rejected
from outreach.core.threads import Thread
from outreach.errors import DeliveryError, PermanentDeliveryError, UnknownDeliveryError
from outreach.services.history import record_event
from outreach.services.sequences import end_enrollment
from outreach.services.suppressions import add_suppression

if TYPE_CHECKING:  # composing (and Jinja2) is not needed to list or settle the outbox
    from outreach.services.composing import Composed


@dataclass(frozen=True)
class Backoff:
    """Retrying in the outbox: growing waits, then give up at a deadline after the first try."""

    base_seconds: float
    factor: float
    max_seconds: float
    deadline_seconds: float

    def wait(self, attempts: int) -> timedelta:
        """How long to wait after the given number of failed attempts."""
        seconds = self.base_seconds * self.factor ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_seconds))


def wire_bytes(message: Message) -> bytes:
    """The stored message as it goes over SMTP: the same bytes composing produced."""
    # Stored text is 7-bit (encoded headers, base64 or quoted-printable bodies), so only the
    # line ends change; anything else would be a bug worth failing loudly on.
    return message.raw.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def stored_next_delay(seconds: int | None) -> timedelta | None:
    """The wait before the next step, as the campaign said when the message was planned."""
    return None if seconds is None else timedelta(seconds=seconds)


def outgoing_content(composed: Composed) -> dict[str, Any]:
    """A composed message's exact content, as outbox columns."""
    envelope = composed.envelope
    return {
        "template": composed.template,
        "language": composed.language,
        "to_address": envelope.to_address,
        "from_address": composed.sender_address,
        "subject": composed.subject,
        "body_text": composed.built.text,
        "body_html": composed.built.html,
        "raw": composed.built.data.decode("ascii").replace("\r\n", "\n"),
        "message_id": envelope.message_id,
        "in_reply_to": envelope.in_reply_to,
        "references": " ".join(envelope.references) or None,
    }


def fill_message(row: Message, composed: Composed) -> None:
    """Put a composed message's exact content into an outbox row."""
    for name, value in outgoing_content(composed).items():
        setattr(row, name, value)


def outgoing_values(
    creator: Creator,
    composed: Composed,
    *,
    campaign: str | None,
    state: MessageState,
    now: datetime,
    enrollment_id: int | None = None,
    step: int | None = None,
    scheduled_at: datetime | None = None,
) -> dict[str, Any]:
    """Every column of a new outbox row, the message exactly as it will be sent."""
    assert creator.id is not None
    return {
        "creator_id": creator.id,
        "enrollment_id": enrollment_id,
        "campaign": campaign,
        "step": step,
        **outgoing_content(composed),
        "state": state.value,
        "priority": 0 if step and step > 1 else 1,  # follow-ups first
        "scheduled_at": scheduled_at,
        "created_at": now,
    }


def store_outgoing(
    session: Session,
    creator: Creator,
    composed: Composed,
    *,
    campaign: str | None,
    state: MessageState,
    now: datetime,
    enrollment_id: int | None = None,
    step: int | None = None,
    scheduled_at: datetime | None = None,
) -> Message:
    """Add the message to the outbox exactly as it will be sent (the caller commits)."""
    row = Message(**outgoing_values(
        creator, composed, campaign=campaign, state=state, now=now,
        enrollment_id=enrollment_id, step=step, scheduled_at=scheduled_at,
    ))  # fmt: skip
    session.add(row)
    session.flush()
    return row


def thread_for(session: Session, creator_id: int, campaign: str | None) -> Thread | None:
    """The thread a follow-up to this creator in this campaign belongs to, if any was sent."""
    if campaign is None:
        return None
    statement = (
        select(Message)
        .where(
            Message.creator_id == creator_id,
            Message.campaign == campaign,
            col(Message.state).in_([MessageState.SENT.value, MessageState.UNKNOWN.value]),
        )
        .order_by(col(Message.id))
    )
    sent = list(session.exec(statement))
    if not sent:
        return None
    return Thread(sent[0].subject, tuple(m.message_id for m in sent))


def record_failure(
    session: Session,
    message: Message,
    creator: Creator,
    error: DeliveryError,
    now: datetime,
    backoff: Backoff | None,
    first_attempt_at: datetime | None = None,
) -> bool:
    """Requeue a temporary failure within the deadline, else fail (or hold as unknown).

    Returns True when the message will be tried again.
    """
    message.last_error = str(error)
    message.lease_owner = message.lease_expires_at = None
    started = first_attempt_at or message.created_at
    if _retry_allowed(error, backoff, started, now):
        assert backoff is not None
        message.state = MessageState.QUEUED.value
        message.scheduled_at = now + backoff.wait(message.attempts)
        session.add(message)
        retry_at = f"{message.scheduled_at:%Y-%m-%d %H:%M} UTC"
        summary = f"{message.template!r} to {message.to_address}: {error}; again at {retry_at}"
        record_event(session, creator, "send_retry", summary, now, message_id=message.id)
        return True
    unknown = isinstance(error, UnknownDeliveryError)
    message.state = MessageState.UNKNOWN.value if unknown else MessageState.FAILED.value
    if error.code:
        message.smtp_response = str(error)
    session.add(message)
    kind = "delivery_unknown" if unknown else "send_failed"
    summary = f"{message.template!r} to {message.to_address}: {error}"
    record_event(session, creator, kind, summary, now, message_id=message.id)
    if isinstance(error, PermanentDeliveryError) and recipient_rejected(error.code, str(error)):
        enrollment = _enrollment_of(session, message)
        if enrollment is not None:
            end_enrollment(
                session, enrollment, creator, EnrollmentState.BOUNCED, "address rejected", now
            )
        creator.status = CreatorStatus.BOUNCED.value
        session.add(creator)
        session.flush()
        add_suppression(
            session, creator.email, f"rejected by the server: {error}", now, source="bounce"
        )
    return False


def _retry_allowed(
    error: DeliveryError, backoff: Backoff | None, started: datetime, now: datetime
) -> bool:
    if backoff is None or isinstance(error, PermanentDeliveryError | UnknownDeliveryError):
        return False
    return (now - started).total_seconds() < backoff.deadline_seconds


def _enrollment_of(session: Session, message: Message) -> Enrollment | None:
    if message.enrollment_id is None:
        return None
    return session.get(Enrollment, message.enrollment_id)
