"""Send one message now: record it before it leaves, retry what is temporary, log the outcome."""

from __future__ import annotations

import asyncio
import email.policy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator, CreatorStatus, Message, MessageState
from outreach.adapters.transport import Transport
from outreach.core.retry import RetryPolicy
from outreach.core.smtp_answers import recipient_rejected
from outreach.errors import (
    DeliveryError,
    OutreachError,
    PermanentDeliveryError,
    SuppressedError,
    TemporaryDeliveryError,
    UnknownDeliveryError,
)
from outreach.services.app import App
from outreach.services.composing import Composed, compose
from outreach.services.creators import find_creator
from outreach.services.history import record_event
from outreach.services.suppressions import add_suppression, suppression_for

ACTIVE_STATES = (MessageState.QUEUED, MessageState.SENDING, MessageState.SENT, MessageState.UNKNOWN)
BLOCKING_STATUSES = {
    CreatorStatus.OPTED_OUT.value: "opted out",
    CreatorStatus.BOUNCED.value: "bounced",
}


@dataclass(frozen=True)
class SendResult:
    """The stored outbox row and the composed message it came from."""

    message: Message
    composed: Composed


def prepare(
    app: App, reference: str, template: str, campaign_name: str | None
) -> tuple[Creator, Composed]:
    """Find the creator and compose the message, refusing what must not be sent."""
    campaign = find_campaign(app.schedules, campaign_name) if campaign_name else None
    with app.session() as session:
        creator = find_creator(session, reference)
        ensure_contactable(session, creator)
    return creator, compose(app.settings, app.templates, creator, template, campaign, app.clock())


def ensure_contactable(session: Session, creator: Creator) -> None:
    """Raise SuppressedError when the creator's address or status forbids any message."""
    blocked = suppression_for(session, creator.email)
    if blocked:
        raise SuppressedError(
            f"@{creator.handle} <{creator.email}> is suppressed ({blocked.address}: "
            f"{blocked.reason}); nothing was sent"
        )
    if creator.status in BLOCKING_STATUSES:
        raise SuppressedError(
            f"@{creator.handle} has {BLOCKING_STATUSES[creator.status]}; nothing was sent"
        )


def send_now(
    app: App, reference: str, template: str, campaign_name: str | None, again: bool = False
) -> SendResult:
    """Compose and deliver one message; the outcome is stored and added to the history."""
    creator, composed = prepare(app, reference, template, campaign_name)
    with app.session() as session:
        # Re-checked at the moment of sending, not only when the preview was made.
        ensure_contactable(session, creator)
        if not again:
            _refuse_duplicate(session, creator, template, campaign_name)
        row = _record_outgoing(session, creator, composed, campaign_name, app)
        try:
            answer = asyncio.run(
                deliver(app.transport, composed, app.retry, _attempt_counter(session, row))
            )
        except DeliveryError as exc:
            _record_failure(session, creator, row, exc, app)
            raise
        _record_success(session, creator, row, answer, app)
        return SendResult(row, composed)


def _refuse_duplicate(
    session: Session, creator: Creator, template: str, campaign: str | None
) -> None:
    statement = select(Message).where(
        Message.creator_id == creator.id,
        Message.template == template,
        col(Message.state).in_([s.value for s in ACTIVE_STATES]),
    )
    statement = statement.where(
        Message.campaign == campaign if campaign else col(Message.campaign).is_(None)
    )
    earlier = session.exec(statement.order_by(col(Message.id))).first()
    if earlier:
        when = earlier.sent_at or earlier.created_at
        raise OutreachError(
            f"@{creator.handle} already has {template!r}"
            + (f" in campaign {campaign!r}" if campaign else "")
            + f" (message {earlier.id}, {earlier.state} {when:%Y-%m-%d %H:%M} UTC); "
            "nothing was sent. Add --again to send it once more on purpose."
        )


def _record_outgoing(
    session: Session, creator: Creator, composed: Composed, campaign: str | None, app: App
) -> Message:
    # Stored as "sending" before a byte leaves: a crash now leaves a visible trace, never
    # a silent resend.
    assert creator.id is not None
    row = Message(
        creator_id=creator.id,
        campaign=campaign,
        template=composed.template,
        language=composed.language,
        to_address=composed.envelope.to_address,
        from_address=composed.sender_address,
        subject=composed.rendered.subject,
        body_text=composed.rendered.text,
        body_html=composed.rendered.html,
        raw=composed.message.as_string(policy=email.policy.default),
        message_id=composed.envelope.message_id,
        state=MessageState.SENDING.value,
        created_at=app.clock(),
    )
    session.add(row)
    session.commit()
    return row


def _attempt_counter(session: Session, row: Message) -> Callable[[int], None]:
    def on_attempt(number: int) -> None:
        row.attempts = number
        session.add(row)
        session.commit()

    return on_attempt


async def deliver(
    transport: Transport,
    composed: Composed,
    policy: RetryPolicy,
    on_attempt: Callable[[int], None],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str:
    """Send, retrying temporary failures with growing waits; the last failure is raised."""
    delays = policy.delays()
    for attempt in range(1, policy.attempts + 1):
        on_attempt(attempt)
        try:
            return await transport.send(
                composed.message, composed.sender_address, [composed.envelope.to_address]
            )
        except TemporaryDeliveryError:
            if attempt > len(delays):
                raise
            await sleep(delays[attempt - 1])
    raise AssertionError("unreachable: the loop returns or raises")


def _record_success(
    session: Session, creator: Creator, row: Message, answer: str, app: App
) -> None:
    now = app.clock()
    row.state = MessageState.SENT.value
    row.sent_at = now
    row.smtp_response = answer
    if creator.status == CreatorStatus.NEW.value:
        creator.status = CreatorStatus.CONTACTED.value
        session.add(creator)
    session.add(row)
    record_event(
        session,
        creator,
        "sent",
        f"sent {row.template!r} ({row.language}) to {row.to_address}: {row.subject}",
        now,
        message_id=row.id,
        detail={"message_id": row.message_id, "answer": answer, "text": row.body_text},
    )
    session.commit()


def _record_failure(
    session: Session, creator: Creator, row: Message, error: DeliveryError, app: App
) -> None:
    now = app.clock()
    unknown = isinstance(error, UnknownDeliveryError)
    row.state = MessageState.UNKNOWN.value if unknown else MessageState.FAILED.value
    row.last_error = str(error)
    row.smtp_response = str(error) if error.code else None
    session.add(row)
    kind = "delivery_unknown" if unknown else "send_failed"
    record_event(
        session, creator, kind, f"{row.template!r} to {row.to_address}: {error}", now,
        message_id=row.id,
    )  # fmt: skip
    session.commit()
    if isinstance(error, PermanentDeliveryError) and recipient_rejected(error.code, str(error)):
        add_suppression(
            session, creator.email, f"rejected by the server: {error}", now, source="bounce"
        )
