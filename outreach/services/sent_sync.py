"""Our own answers: a reply we answered from the mail program leaves "waiting for our answer".

The Sent folder is read by headers only. A message there answers a creator's reply when its
In-Reply-To or References name that reply, or, when a mail program wrote none, when it went
to the creator's address after the reply came. Messages outreach sent itself are not answers.
"""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.utils import getaddresses

from sqlmodel import Session, col, select

from outreach.adapters.imap_inbox import ImapInbox
from outreach.adapters.models import Creator, Inbound, MailboxCheckpoint, Message
from outreach.core.addresses import AddressError, normalise_address
from outreach.core.inbound_reading import parsed_date
from outreach.services.app import App
from outreach.services.history import record_event
from outreach.services.inbox_sync import advance_checkpoint

SENT_BATCH = 200


def sent_checkpoint_name(inbox: ImapInbox) -> str:
    """How the Sent folder's checkpoint is named: the account and Sent, e.g. luna@brand/Sent."""
    return inbox.mailbox.rsplit("/", 1)[0] + "/Sent"


def sync_sent(app: App, inbox: ImapInbox, now: datetime) -> int:
    """Read what was sent since the last time; returns how many replies it answered."""
    name, answered = sent_checkpoint_name(inbox), 0
    while True:
        with app.session() as session:
            checkpoint = session.get(MailboxCheckpoint, name)
        known = (checkpoint.uidvalidity, checkpoint.last_uid) if checkpoint else (None, 0)
        batch = inbox.fetch_sent(inbox.sent_folder, known[0], known[1], SENT_BATCH)
        if batch is None:
            return answered  # no Sent folder: nothing to learn from
        for uid, header in batch.headers:
            with app.session() as session:
                answered += _answer(session, header, now)
                advance_checkpoint(session, name, batch.uidvalidity, uid, now)
                session.commit()
        if len(batch.headers) < SENT_BATCH:
            return answered


def _answer(session: Session, header: bytes, now: datetime) -> int:
    """Mark the replies this sent message answers; how many."""
    message = email.message_from_bytes(header, policy=email.policy.compat32)
    own_id = (message.get("Message-ID") or "").strip()
    if own_id and session.exec(select(Message.id).where(Message.message_id == own_id)).first():
        return 0  # sent by outreach itself: a proposal or follow-up, not an answer
    sent_at = _date(message.get("Date")) or now
    refs = set((message.get("In-Reply-To") or "").split())
    refs |= set((message.get("References") or "").split())
    waiting = select(Inbound).where(Inbound.kind == "reply", col(Inbound.handled_at).is_(None))
    found = (
        list(session.exec(waiting.where(col(Inbound.header_message_id).in_(refs)))) if refs else []
    )
    if not found:
        found = _to_creators_after_their_reply(session, message, sent_at)
    for reply in found:
        reply.handled_at = min(sent_at, now)
        session.add(reply)
        creator = session.get(Creator, reply.creator_id) if reply.creator_id else None
        if creator is not None:
            record_event(session, creator, "answered",
                         f"we answered their reply {reply.id} from the mail program", sent_at,
                         detail={"inbound_id": reply.id})  # fmt: skip
    return len(found)


def _to_creators_after_their_reply(
    session: Session, message: email.message.Message, sent_at: datetime
) -> list[Inbound]:
    addresses = set()
    for _, address in getaddresses(message.get_all("To") or []):
        try:
            addresses.add(normalise_address(address))
        except AddressError:
            continue
    if not addresses:
        return []
    statement = (
        select(Inbound)
        .join(Creator, col(Inbound.creator_id) == col(Creator.id))
        .where(
            Inbound.kind == "reply",
            col(Inbound.handled_at).is_(None),
            col(Creator.email).in_(addresses),
            col(Inbound.received_at) <= sent_at,
        )
    )
    return list(session.exec(statement))


def _date(value: str | None) -> datetime | None:
    moment = parsed_date(value)
    return moment if moment is not None and moment.tzinfo else None  # a zone, or not a moment
