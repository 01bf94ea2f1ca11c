"""Read new inbox messages, match them to what we sent, classify them, and act on each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import cast

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from outreach.adapters.imap_inbox import ImapInbox
from outreach.adapters.models import (
    Creator,
    Enrollment,
    EnrollmentState,
    Inbound,
    MailboxCheckpoint,
    Message,
    MessageState,
)
from outreach.core.inbound_reading import InboundKind, Reading, read_inbound
from outreach.core.reply_labels import label_reply
from outreach.services.app import App
from outreach.services.history import record_event
from outreach.services.replies import ReplyKind, record_reply

SYNC_BATCH = 200
MAX_STORED_RAW_CHARACTERS = 1_000_000
SOFT_BOUNCES_BEFORE_SUPPRESSION = 3
UNMATCHED = "unmatched"


@dataclass
class SyncReport:
    """What one sync did, by kind."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        """Count one message of this kind."""
        self.counts[kind] = self.counts.get(kind, 0) + 1


def sync_inbox(app: App, inbox: ImapInbox, now: datetime) -> SyncReport:
    """Read everything new since the checkpoint; one message = one transaction."""
    report = SyncReport()
    while True:
        with app.session() as session:
            checkpoint = session.get(MailboxCheckpoint, inbox.mailbox)
        known = (checkpoint.uidvalidity, checkpoint.last_uid) if checkpoint else (None, 0)
        batch = inbox.fetch_new(known[0], known[1], SYNC_BATCH)
        for uid, raw in batch.messages:
            with app.session() as session:
                try:
                    kind = _take(session, inbox.mailbox, batch.uidvalidity, uid, raw, now)
                    _advance(session, inbox.mailbox, batch.uidvalidity, uid, now)
                    session.commit()
                    report.add(kind)
                except IntegrityError:
                    # Already taken (another worker, or a crash after the row was written):
                    # nothing is counted twice, and the checkpoint moves past it.
                    session.rollback()
                    _advance(session, inbox.mailbox, batch.uidvalidity, uid, now)
                    session.commit()
        if len(batch.messages) < SYNC_BATCH:
            return report


def _advance(session: Session, mailbox: str, uidvalidity: int, uid: int, now: datetime) -> None:
    checkpoint = session.get(MailboxCheckpoint, mailbox)
    if checkpoint is None:
        checkpoint = MailboxCheckpoint(mailbox=mailbox, uidvalidity=uidvalidity, updated_at=now)
    if checkpoint.uidvalidity != uidvalidity:
        checkpoint.uidvalidity, checkpoint.last_uid = uidvalidity, 0
    checkpoint.last_uid = max(checkpoint.last_uid, uid)
    checkpoint.updated_at = now
    session.add(checkpoint)


def _take(
    session: Session, mailbox: str, uidvalidity: int, uid: int, raw: bytes, now: datetime
) -> str:
    """Record one inbound message and act on it; returns the kind it was counted as."""
    reading = _read(raw, now)
    if reading is None:
        _store(session, mailbox, uidvalidity, uid, raw, now, None, None, None, "unreadable")
        return UNMATCHED
    if reading.message_id and _seen(session, mailbox, reading.message_id):
        # UIDVALIDITY changed and the folder is read again: the same mail counts once.
        _store(session, mailbox, uidvalidity, uid, raw, now, reading, None, None,
               "already read under an earlier UIDVALIDITY")  # fmt: skip
        return "duplicate"
    ours = _match_ours(session, reading)
    creator = _creator_for(session, reading, ours)
    row = _store(session, mailbox, uidvalidity, uid, raw, now, reading, ours, creator, None)
    if creator is None:
        row.kind = UNMATCHED
        session.add(row)
        return UNMATCHED
    _act(session, reading, creator, row, now)
    return row.kind


def _read(raw: bytes, now: datetime) -> Reading | None:
    try:
        message = cast(EmailMessage, message_from_bytes(raw, policy=default))
        return read_inbound(message, now)
    except Exception:  # any broken message is kept and listed, never allowed to stop a sync
        return None


def _seen(session: Session, mailbox: str, header_message_id: str) -> bool:
    statement = select(func.count()).where(
        Inbound.mailbox == mailbox, Inbound.header_message_id == header_message_id
    )
    return bool(session.exec(statement).one())


def _match_ours(session: Session, reading: Reading) -> Message | None:
    """Our message it answers: by In-Reply-To/References, else a bounce's original id."""
    candidates = list(reading.references)
    if reading.bounce and reading.bounce.original_message_id:
        candidates.insert(0, reading.bounce.original_message_id)
    for reference in candidates:
        found = session.exec(select(Message).where(Message.message_id == reference)).first()
        if found is not None:
            return found
    return None


def _creator_for(session: Session, reading: Reading, ours: Message | None) -> Creator | None:
    if reading.kind is InboundKind.BOUNCE:
        return _bounced_creator(session, reading, ours)
    if ours is not None:
        return session.get(Creator, ours.creator_id)
    if reading.sender:
        # Clients that drop our headers: the sender's address is the next best clue.
        statement = select(Creator).where(Creator.email == reading.sender)
        return session.exec(statement).first()
    return None


def _bounced_creator(session: Session, reading: Reading, ours: Message | None) -> Creator | None:
    """A bounce counts only against an address we actually sent to (forged ones count for none)."""
    assert reading.bounce is not None
    recipients = {address.lower() for address in reading.bounce.recipients}
    if ours is not None and ours.to_address in recipients | (
        {ours.to_address} if not recipients else set()
    ):
        return session.get(Creator, ours.creator_id)
    for address in recipients:
        sent = session.exec(
            select(Message).where(
                Message.to_address == address, Message.state == MessageState.SENT.value
            )
        ).first()
        if sent is not None:
            return session.get(Creator, sent.creator_id)
    return None


def _store(
    session: Session, mailbox: str, uidvalidity: int, uid: int, raw: bytes, now: datetime,
    reading: Reading | None, ours: Message | None, creator: Creator | None, note: str | None,
) -> Inbound:  # fmt: skip
    text = raw.decode("utf-8", "replace")
    if len(text) > MAX_STORED_RAW_CHARACTERS:
        text = text[:MAX_STORED_RAW_CHARACTERS]
        note = (note + "; " if note else "") + "raw message cut at 1,000,000 characters"
    row = Inbound(
        mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
        kind=reading.kind.value if reading else UNMATCHED,
        language=reading.language if reading else None,
        sender=reading.sender if reading else None,
        subject=reading.subject if reading else "",
        text=reading.text if reading else "",
        header_message_id=reading.message_id if reading else None,
        in_reply_to=ours.message_id if ours else None,
        creator_id=creator.id if creator else None,
        message_id=ours.id if ours else None,
        note=note, raw=text, received_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _act(session: Session, reading: Reading, creator: Creator, row: Inbound, now: datetime) -> None:
    summary = f"{reading.subject!r}"
    if reading.kind is InboundKind.REPLY:
        labelled = label_reply(reading.text)
        row.label, row.confidence = labelled.label.value, labelled.confidence
        session.add(row)
        note = f"{labelled.label.value}: {_first_line(reading.text)}"
        record_reply(session, creator, ReplyKind.REPLY, now, note)
    elif reading.kind is InboundKind.OPT_OUT:
        record_reply(session, creator, ReplyKind.OPT_OUT, now, _first_line(reading.text))
        row.handled_at = now
    elif reading.kind is InboundKind.BOUNCE:
        _bounce(session, reading, creator, row, now)
    else:
        _auto_reply(session, reading, creator, row, now, summary)


def _bounce(
    session: Session, reading: Reading, creator: Creator, row: Inbound, now: datetime
) -> None:
    assert reading.bounce is not None
    row.handled_at = now
    bounce = reading.bounce
    soft_before = session.exec(
        select(func.count()).where(
            Inbound.creator_id == creator.id, Inbound.kind == InboundKind.BOUNCE.value,
            col(Inbound.id) != row.id,
        )
    ).one()  # fmt: skip
    if bounce.hard or soft_before + 1 >= SOFT_BOUNCES_BEFORE_SUPPRESSION:
        why = bounce.status or ("hard" if bounce.hard else f"{soft_before + 1} soft bounces")
        record_reply(session, creator, ReplyKind.BOUNCE, now, f"{why}: {bounce.reason}")
    else:
        status = bounce.status or "no status"
        record_event(
            session, creator, "soft_bounce", f"soft bounce ({status}): {bounce.reason}", now
        )


def _auto_reply(
    session: Session, reading: Reading, creator: Creator, row: Inbound, now: datetime,
    summary: str,
) -> None:  # fmt: skip
    row.handled_at = now  # an auto-reply is not a reply and needs no answer
    back = reading.return_date
    record_event(session, creator, "auto_reply",
                 f"auto-reply {summary}" + (f", back on {back}" if back else ""), now)  # fmt: skip
    if back is None:
        return
    # The pending follow-up moves to the day after the stated return.
    later = datetime.combine(back, time(0), UTC) + timedelta(days=1)
    active = select(Enrollment).where(
        Enrollment.creator_id == creator.id, Enrollment.state == EnrollmentState.ACTIVE.value
    )
    for enrollment in session.exec(active):
        if enrollment.next_due_at is not None and enrollment.next_due_at < later:
            enrollment.next_due_at = later
            session.add(enrollment)
    queued = select(Message).where(
        Message.creator_id == creator.id, Message.state == MessageState.QUEUED.value
    )
    for message in session.exec(queued):
        if message.scheduled_at is None or message.scheduled_at < later:
            message.scheduled_at = later
            session.add(message)


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line[:120]
