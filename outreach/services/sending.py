"""Send one message now: record it before it leaves, retry what is temporary, log the outcome."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator, CreatorStatus, Message, MessageState
from outreach.adapters.transport import Transport
from outreach.constants import ONE_OFF_LEASE_PREFIX
from outreach.core.legal_profiles import source_refusal
from outreach.core.retry import RetryPolicy
from outreach.core.return_paths import envelope_sender
from outreach.core.threads import Thread
from outreach.errors import (
    DeliveryError,
    OutreachError,
    SettingsError,
    SuppressedError,
    TemplateError,
    TemporaryDeliveryError,
)
from outreach.services.app import App
from outreach.services.composing import Composed, compose, missing_postal_address
from outreach.services.creators import find_creator
from outreach.services.delivery_record import Delivered, record_delivered
from outreach.services.outbox import record_failure, store_outgoing, thread_for
from outreach.services.personal_notes import campaign_note
from outreach.services.suppressions import suppression_for

ACTIVE_STATES = (MessageState.QUEUED, MessageState.SENDING, MessageState.SENT, MessageState.UNKNOWN)
ONE_OFF_LEASE_SECONDS = 600
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
    app: App,
    reference: str,
    template: str,
    campaign_name: str | None,
    for_preview: bool = False,
) -> tuple[Creator, Composed]:
    """Find the creator and compose the message, refusing what must not be sent."""
    campaign = find_campaign(app.schedules, campaign_name) if campaign_name else None
    with app.session() as session:
        creator = find_creator(session, reference)
        ensure_contactable(session, creator)
        assert creator.id is not None
        opens_thread = (
            campaign is not None and bool(campaign.steps) and template == campaign.steps[0].template
        )
        # The campaign's first step opens the thread; anything else sent in it answers it.
        thread = None if opens_thread else thread_for(session, creator.id, campaign_name)
        note = campaign_note(session, creator, campaign_name) if campaign_name else None
    now = app.clock()
    if thread is None and not opens_thread and for_preview and campaign and campaign.steps:
        # Previewing a follow-up before the proposal went out: show the subject it will
        # have, taken from the campaign's first step for this creator.
        first = campaign.steps[0].template
        if first != template:
            try:
                opening = compose(app.settings, app.templates, creator, first, campaign, now,
                                  personal_note=note)  # fmt: skip
            except TemplateError as exc:
                # Name the template asked for: the first step is only where its subject is from.
                raise TemplateError(
                    f"preview of {template!r}: its subject comes from the campaign's first step "
                    f"{first!r}, which cannot be rendered for @{creator.handle}: {exc}"
                ) from None
            thread = Thread(opening.subject, ())
    composed = compose(app.settings, app.templates, creator, template, campaign, now, thread,
                       personal_note=note)  # fmt: skip
    return creator, composed


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
    missing = missing_postal_address(app.settings, creator)
    if missing is not None:
        raise SettingsError(f"@{creator.handle}: {missing}; nothing was sent")
    campaign = find_campaign(app.schedules, campaign_name) if campaign_name else None
    refusal = source_refusal(creator.country, creator.email_source,
                             campaign.advertising if campaign else True)  # fmt: skip
    if refusal is not None:
        raise OutreachError(f"@{creator.handle}: {refusal}; nothing was sent")
    with app.session() as session:
        # Re-checked at the moment of sending, not only when the preview was made.
        ensure_contactable(session, creator)
        if not again:
            _refuse_duplicate(session, creator, template, campaign_name)
        now = app.clock()
        # Stored as "sending" before a byte leaves: a crash now leaves a visible trace,
        # which housekeeping turns into "unknown" for a person, never a silent resend.
        row = store_outgoing(
            session, creator, composed, campaign=campaign_name, state=MessageState.SENDING,
            now=now,
        )  # fmt: skip
        row.lease_owner = f"{ONE_OFF_LEASE_PREFIX}{os.getpid()}@{socket.gethostname()}"
        row.lease_expires_at = now + timedelta(seconds=ONE_OFF_LEASE_SECONDS)
        session.commit()
        sender = envelope_sender(
            app.settings.return_path, row.id, row.message_id, composed.sender_address
        )
        try:
            answer = asyncio.run(
                _deliver_then_close(
                    app.transport,
                    composed,
                    app.retry,
                    _attempt_counter(session, row),
                    sender,
                )
            )
        except DeliveryError as exc:
            record_failure(session, row, creator, exc, app.clock(), backoff=None)
            session.commit()
            raise
        assert row.id is not None and row.lease_owner is not None
        record_delivered(session, row.id, row.lease_owner, answer, app.clock(), _no_next_step)
        session.commit()
        session.refresh(row)
        return SendResult(row, composed)


def _no_next_step(_sent: Delivered) -> None:
    """A one-off message belongs to no sequence: nothing follows it."""
    return None


def _refuse_duplicate(
    session: Session, creator: Creator, template: str, campaign: str | None
) -> None:
    earlier = earlier_send(session, creator, template, campaign)
    if earlier:
        when = earlier.sent_at or earlier.created_at
        raise OutreachError(
            f"@{creator.handle} already has {template!r}"
            + (f" in campaign {campaign!r}" if campaign else "")
            + f" (message {earlier.id}, {earlier.state} {when:%Y-%m-%d %H:%M} UTC); "
            "nothing was sent. Add --again to send it once more on purpose."
        )


def earlier_send(
    session: Session, creator: Creator, template: str, campaign: str | None
) -> Message | None:
    """A message with this template to this creator (in this campaign) that is or may be out."""
    statement = select(Message).where(
        Message.creator_id == creator.id,
        Message.template == template,
        col(Message.state).in_([s.value for s in ACTIVE_STATES]),
    )
    statement = statement.where(
        Message.campaign == campaign if campaign else col(Message.campaign).is_(None)
    )
    return session.exec(statement.order_by(col(Message.id))).first()


def _attempt_counter(session: Session, row: Message) -> Callable[[int], None]:
    def on_attempt(number: int) -> None:
        row.attempts = number
        session.add(row)
        session.commit()

    return on_attempt


async def _deliver_then_close(
    transport: Transport,
    composed: Composed,
    policy: RetryPolicy,
    on_attempt: Callable[[int], None],
    sender: str,
) -> str:
    # A one-off send owns its event loop: the connection must not outlive it.
    try:
        return await deliver(transport, composed, policy, on_attempt, sender=sender)
    finally:
        await transport.close()


async def deliver(
    transport: Transport,
    composed: Composed,
    policy: RetryPolicy,
    on_attempt: Callable[[int], None],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    sender: str | None = None,
) -> str:
    """Send, retrying temporary failures with growing waits; the last failure is raised."""
    delays = policy.delays()
    for attempt in range(1, policy.attempts + 1):
        on_attempt(attempt)
        try:
            return await transport.send(
                composed.wire_bytes(),
                sender or composed.sender_address,
                [composed.envelope.to_address],
            )
        except TemporaryDeliveryError:
            if attempt > len(delays):
                raise
            await sleep(delays[attempt - 1])
    raise AssertionError("unreachable: the loop returns or raises")
