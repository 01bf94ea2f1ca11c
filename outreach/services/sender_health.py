"""Whether each mailbox can send: a failing one pauses itself, and says since when and why."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, bindparam, func, or_, update
from sqlmodel import Session, col, select

from outreach.adapters.models import Message, MessageState, SenderHealth, table_of
from outreach.constants import SENDER_TEMPORARY_FAILURES
from outreach.services.mailboxes import DEFAULT_MAILBOX

if TYPE_CHECKING:  # `status` reads mailbox health without the composing machinery
    from outreach.services.outbox import Backoff

PAUSED_RECHECK = timedelta(hours=1)
WAITING_FOR_MAILBOX = "waiting for mailbox"  # how a message waiting for its mailbox says so


# Built once: asked before every message sent.
_HEALTH_OF = select(SenderHealth).where(col(SenderHealth.mailbox) == bindparam("b_mailbox"))


def sender_hold(session: Session, mailbox: str, now: datetime) -> tuple[datetime, str] | None:
    """Until when the mailbox's messages wait, and why; None when it may send."""
    health = session.exec(_HEALTH_OF, params={"b_mailbox": mailbox}).first()
    if health is None:
        return None
    if health.paused_at is not None:
        # Looked at again hourly: `mailbox resume` makes its messages due at once anyway.
        return now + PAUSED_RECHECK, f"mailbox {mailbox!r} paused by a person"
    if health.retry_at is None or health.retry_at <= now:
        return None
    return health.retry_at, failing_reason(mailbox, health.last_error)


def failing_reason(mailbox: str, error: object) -> str:
    """How a failing mailbox is named where its messages wait: "mailbox 'luna' failing: ..."."""
    return f"mailbox {mailbox!r} failing: {error}"


def set_sender_paused(session: Session, mailbox: str, paused: bool, now: datetime) -> int:
    """Pause or resume a mailbox; resuming also tries a failing one at once.

    Returns how many of its waiting messages are due now (0 when pausing).
    """
    health = session.get(SenderHealth, mailbox) or SenderHealth(mailbox=mailbox)
    health.paused_at = now if paused else None
    if not paused:
        health.retry_at = None  # a person fixed something: no need to wait for the next try
    session.add(health)
    if paused:
        return 0
    statement = (
        update(Message)
        .where(
            col(Message.state) == MessageState.QUEUED.value, _from_mailbox(mailbox),
            col(Message.last_error).startswith(WAITING_FOR_MAILBOX),
        )
        .values(scheduled_at=now, last_error=None)
    )  # fmt: skip
    return int(session.exec(statement).rowcount or 0)


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


_HEALTH = table_of(SenderHealth)
# Built once: it runs after every message sent.
_CLEAR_FAULTS = (
    update(_HEALTH)
    .where(
        _HEALTH.c.mailbox == bindparam("b_mailbox"),
        or_(
            _HEALTH.c.failures > 0,
            _HEALTH.c.failing_since.is_not(None),
            _HEALTH.c.last_refused_message.is_not(None),
        ),
    )
    .values(failures=0, failing_since=None, retry_at=None, last_refused_message=None)
)


def record_sender_success(session: Session, mailbox: str) -> None:
    """A message went: whatever failed before is over."""
    session.connection().execute(_CLEAR_FAULTS, {"b_mailbox": mailbox})


def failing_senders(session: Session) -> list[SenderHealth]:
    """Mailboxes that cannot send right now (failing, or paused by a person), by name."""
    statement = (
        select(SenderHealth)
        .where(
            or_(
                col(SenderHealth.failing_since).is_not(None),
                col(SenderHealth.paused_at).is_not(None),
            )
        )
        .order_by(col(SenderHealth.mailbox))
    )
    return list(session.exec(statement))


def waiting_for_sender(session: Session, mailbox: str) -> int:
    """Queued messages from this mailbox (None in the table means the default mailbox)."""
    statement = select(func.count()).where(
        Message.state == MessageState.QUEUED.value, _from_mailbox(mailbox)
    )
    return int(session.exec(statement).one())


def _from_mailbox(mailbox: str) -> ColumnElement[bool]:
    """Messages from this mailbox (None in the table means the default mailbox)."""
    if mailbox == DEFAULT_MAILBOX:
        return col(Message.mailbox).is_(None)
    return col(Message.mailbox) == mailbox
