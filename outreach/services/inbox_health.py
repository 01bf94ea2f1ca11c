"""Read the inbox and remember how it went: the last good read, the last failure."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from outreach.adapters.models import Inbound, InboxHealth, Message, MessageState
from outreach.constants import QUARANTINED
from outreach.core.inbox_freshness import WAITING_FOR_INBOX, inbox_failing
from outreach.errors import OutreachError
from outreach.services.app import App

if TYPE_CHECKING:  # `status` reads the inbox's health without loading the sync's parsers
    from outreach.adapters.imap_inbox import ImapInbox
    from outreach.services.inbox_sync import SyncReport


def read_inbox(app: App, inbox: ImapInbox, now: datetime) -> SyncReport:
    """Sync the inbox and record the outcome; a failure is recorded, then raised again.

    A good read counts from `now`, the moment it started: everything that arrived before it
    has been seen.
    """
    from outreach.services.inbox_sync import sync_inbox
    from outreach.services.sent_sync import sync_sent

    try:
        report = sync_inbox(app, inbox, now)
    except OutreachError as exc:
        record_read(app, inbox.mailbox, now, error=str(exc))
        raise
    record_read(app, inbox.mailbox, now)
    try:
        answered = sync_sent(app, inbox, now)
    except OutreachError as exc:
        # Our own answers are a convenience: the inbox itself was read, so nothing waits.
        report.sent_error = str(exc)
    else:
        if answered:
            report.counts["answered"] = answered
    return report


def record_read(app: App, mailbox: str, now: datetime, error: str | None = None) -> None:
    """Note a good read (no error) or a failed one of this mailbox, in its own transaction."""
    with app.session() as session:
        health = session.get(InboxHealth, mailbox) or InboxHealth(mailbox=mailbox)
        if error is None:
            health.last_read_at = now
        else:
            health.last_error, health.last_error_at = error, now
        session.add(health)
        session.commit()


def inbox_health(session: Session) -> list[InboxHealth]:
    """Every inbox ever read or tried, by name."""
    return list(session.exec(select(InboxHealth).order_by(col(InboxHealth.mailbox))))


def last_read_at(session: Session, mailbox: str) -> datetime | None:
    """When this mailbox was last read successfully (None: never)."""
    found: datetime | None = session.exec(_LAST_READ, params={"b_mailbox": mailbox}).first()
    return found


# Built once: asked before every campaign message sent.
_LAST_READ = select(InboxHealth.last_read_at).where(
    col(InboxHealth.mailbox) == bindparam("b_mailbox")
)


def waiting_for_inbox(session: Session) -> int:
    """How many queued messages were last put off because the inbox was not read."""
    statement = select(func.count()).where(
        Message.state == MessageState.QUEUED.value,
        col(Message.last_error).startswith(WAITING_FOR_INBOX),
    )
    return int(session.exec(statement).one())


def quarantined(session: Session) -> int:
    """How many inbox messages were set aside after an unexpected error, not yet looked at."""
    statement = select(func.count()).where(
        Inbound.kind == QUARANTINED, col(Inbound.handled_at).is_(None)
    )
    return int(session.exec(statement).one())


def inbox_health_json(session: Session) -> list[dict[str, object]]:
    """Each inbox's last good read and last failure, as the report shows them."""
    return [
        {
            "mailbox": health.mailbox,
            "last_read_at": health.last_read_at.isoformat() if health.last_read_at else None,
            "failing": inbox_failing(health.last_read_at, health.last_error_at),
            "last_error": health.last_error,
            "last_error_at": health.last_error_at.isoformat() if health.last_error_at else None,
        }
        for health in inbox_health(session)
    ]
