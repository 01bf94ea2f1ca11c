"""Whether each mailbox can send: a failing one pauses itself, and says since when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.adapters.models import Message, MessageState, SenderHealth
from outreach.constants import SENDER_TEMPORARY_FAILURES
from outreach.services.mailboxes import DEFAULT_MAILBOX
from outreach.services.outbox import Backoff


def paused_until(session: Session, mailbox: str, now: datetime) -> SenderHealth | None:
    """The mailbox's health while it is paused (its messages wait); None when it may send."""
    health = session.get(SenderHealth, mailbox)
    if health is None or health.retry_at is None or health.retry_at <= now:
        return None
    return health


def record_sender_fault(
    session: Session, mailbox: str, error: str, now: datetime, backoff: Backoff
) -> datetime:
    """The mailbox itself failed (login, connection): pause it; returns when to try again.

    The pause grows as the outbox's retries do (a minute, doubling, up to an hour): few
    logins while it fails, so no provider locks the account for them.
    """
    health = session.get(SenderHealth, mailbox) or SenderHealth(mailbox=mailbox)
    health.failures += 1
    health.failing_since = health.failing_since or now
    health.last_error = error
    health.retry_at = now + backoff.wait(health.failures)
    session.add(health)
    return health.retry_at


def record_temporary_refusal(
    session: Session,
    mailbox: str,
    message_id: int | None,
    error: str,
    now: datetime,
    backoff: Backoff,
) -> None:
    """A 4xx for one message; several messages in a row refused pause the mailbox.

    One message refused again and again is that message's matter (its retries and deadline);
    different messages refused one after another say the mailbox is being held back.
    """
    health = session.get(SenderHealth, mailbox) or SenderHealth(mailbox=mailbox)
    if health.last_refused_message == message_id:
        return
    health.last_refused_message = message_id
    if health.failures + 1 >= SENDER_TEMPORARY_FAILURES:
        record_sender_fault(session, mailbox, error, now, backoff)
        return
    health.failures += 1
    health.last_error = error
    session.add(health)


def record_sender_success(session: Session, mailbox: str) -> None:
    """A message went: whatever failed before is over."""
    health = session.get(SenderHealth, mailbox)
    if health is not None and (
        health.failures or health.failing_since or health.last_refused_message
    ):
        health.failures, health.failing_since, health.retry_at = 0, None, None
        health.last_refused_message = None
        session.add(health)


def failing_senders(session: Session) -> list[SenderHealth]:
    """Mailboxes that cannot send right now, by name."""
    statement = (
        select(SenderHealth)
        .where(col(SenderHealth.failing_since).is_not(None))
        .order_by(col(SenderHealth.mailbox))
    )
    return list(session.exec(statement))


def waiting_for_sender(session: Session, mailbox: str) -> int:
    """Queued messages from this mailbox (None in the table means the default mailbox)."""
    from_it = (
        col(Message.mailbox).is_(None) if mailbox == DEFAULT_MAILBOX else Message.mailbox == mailbox
    )
    statement = select(func.count()).where(Message.state == MessageState.QUEUED.value, from_it)
    return int(session.exec(statement).one())
