"""Read new inbox messages, match them to what we sent, classify them, and act on each."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any, cast

from sqlalchemy import bindparam, case, insert, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session, col, func, or_, select

from outreach.adapters.database import RELAXED_COMMIT
from outreach.adapters.imap_inbox import MAX_MESSAGE_BYTES, ImapInbox
from outreach.adapters.inbox_names import FOLDER as FOLDER_NAME
from outreach.adapters.inbox_names import legacy_mailbox_prefix
from outreach.adapters.models import (
    Creator,
    Inbound,
    MailboxCheckpoint,
    Message,
    MessageState,
    UTCDateTime,
    table_of,
)
from outreach.constants import QUARANTINED
from outreach.core.answer_times import answered_at
from outreach.core.auto_replies import (
    numeric_dates_day_first,
    stated_return_date,
    subject_has_auto_reply_words,
)
from outreach.core.bounce_reading import Bounce, is_delivery_report
from outreach.core.inbound_reading import (
    InboundKind,
    Reading,
    read_as_answer,
    read_headers_only,
    read_inbound,
)
from outreach.core.mail_policy import READ_ONCE
from outreach.core.opt_outs import opt_out_line
from outreach.core.return_paths import check_matches, verp_row
from outreach.core.subjects import base_subject
from outreach.errors import OutreachError
from outreach.services.app import App
from outreach.services.history import record_event
from outreach.services.replies import ReplyKind, record_failed_delivery, record_reply
from outreach.services.reply_classifier import Classified, classify_reply
from outreach.services.reply_corrections import workspace_corrections
from outreach.services.sequences import active_sequences

SYNC_BATCH = 200
MAX_STORED_RAW_CHARACTERS = 1_000_000
SOFT_BOUNCES_BEFORE_SUPPRESSION = 3
UNMATCHED = "unmatched"
DELAYED = "delayed"  # the label of a bounce row that is only a delay notice
# Clocks differ: a reply dated a little before our send is still an answer to it.
FIRST_CONTACT_SKEW = timedelta(minutes=10)
MIN_SUBJECT_TO_MATCH = 8  # shorter subjects ("hi", "thanks") say nothing about the thread


@dataclass
class SyncReport:
    """What one sync did, by kind."""

    counts: dict[str, int] = field(default_factory=dict)
    moved: int = 0  # handled bounces and auto-replies moved to OUTREACH_IMAP_PROCESSED_FOLDER
    move_error: str | None = None
    sent_error: str | None = None  # the Sent folder could not be read (the inbox was)

    def add(self, kind: str) -> None:
        """Count one message of this kind."""
        self.counts[kind] = self.counts.get(kind, 0) + 1


def sync_inbox(app: App, inbox: ImapInbox, now: datetime) -> SyncReport:
    """Read everything new since the checkpoint; one message = one transaction."""
    report = SyncReport()
    _adopt_legacy_checkpoint(app, inbox, now)
    while True:
        with app.session() as session:
            checkpoint = session.get(MailboxCheckpoint, inbox.mailbox)
        known = (checkpoint.uidvalidity, checkpoint.last_uid) if checkpoint else (None, 0)
        batch = inbox.fetch_new(known[0], known[1], SYNC_BATCH)
        last = len(batch.messages) - 1
        for index, (uid, raw) in enumerate(batch.messages):
            with app.session() as session:
                # Each message's record and checkpoint are one transaction, so one lost at a
                # power cut is simply read again: only the batch's last commit waits for the
                # disk, and it makes every one before it durable before anything is moved.
                relaxed = {RELAXED_COMMIT: index < last}
                session.connection(execution_options=relaxed)
                try:
                    kind = _take(session, inbox.mailbox, batch.uidvalidity, uid, raw, now,
                                 app.settings.return_path, uid in batch.headers_only)  # fmt: skip
                    advance_checkpoint(session, inbox.mailbox, batch.uidvalidity, uid, now)
                    session.commit()
                    report.add(kind)
                except IntegrityError:
                    # Already taken (another worker, or a crash after the row was written):
                    # nothing is counted twice, and the checkpoint moves past it.
                    session.rollback()
                    advance_checkpoint(session, inbox.mailbox, batch.uidvalidity, uid, now)
                    session.commit()
                except (OperationalError, InterfaceError):
                    raise  # the database itself is away: stop, and read this one again later
                except Exception as exc:
                    # One message nobody foresaw must not block every later one (as Mailman's
                    # runners do): it is set aside, listed for a person, and the sync goes on.
                    session.rollback()
                    _quarantine(session, inbox.mailbox, batch.uidvalidity, uid, raw, now, exc)
                    advance_checkpoint(session, inbox.mailbox, batch.uidvalidity, uid, now)
                    session.commit()
                    report.add(QUARANTINED)
        if len(batch.messages) < SYNC_BATCH:
            break
    folder = app.settings.imap_processed_folder
    if folder:
        try:
            report.moved = _move_handled(app, inbox, folder)
        except OutreachError as exc:
            # Everything read is recorded; the move is tried again at the next sync.
            report.move_error = str(exc)
    return report


def _adopt_legacy_checkpoint(app: App, inbox: ImapInbox, now: datetime) -> None:
    """Carry over how far an older version read this mailbox (it keyed it by host and port).

    Were the old name a different server, UIDVALIDITY differs and the folder is read again;
    Message-IDs already read still count once.
    """
    with app.session() as session:
        if session.get(MailboxCheckpoint, inbox.mailbox) is not None:
            return
        prefix = legacy_mailbox_prefix(inbox.server)
        legacy = session.exec(
            select(MailboxCheckpoint)
            .where(col(MailboxCheckpoint.mailbox).startswith(prefix),
                   col(MailboxCheckpoint.mailbox).endswith(f"/{FOLDER_NAME}"))
            .order_by(col(MailboxCheckpoint.updated_at).desc())
        ).first()  # fmt: skip
        if legacy is None:
            return
        session.add(MailboxCheckpoint(mailbox=inbox.mailbox, uidvalidity=legacy.uidvalidity,
                                      last_uid=legacy.last_uid, updated_at=now))  # fmt: skip
        session.commit()


def _move_handled(app: App, inbox: ImapInbox, folder: str) -> int:
    """Move handled bounces and auto-replies out of the inbox; a failed move is tried again."""
    with app.session() as session:
        checkpoint = session.get(MailboxCheckpoint, inbox.mailbox)
        if checkpoint is None:
            return 0
        statement = select(Inbound).where(
            Inbound.mailbox == inbox.mailbox,
            Inbound.uidvalidity == checkpoint.uidvalidity,
            col(Inbound.kind).in_(
                [InboundKind.BOUNCE.value, InboundKind.DELAY.value, InboundKind.AUTO_REPLY.value]
            ),
            col(Inbound.moved_to).is_(None),
        )
        rows = {row.uid: row for row in session.exec(statement)}
        if not rows:
            return 0
        # Recorded first, moved second: a crash in between leaves mail in the inbox, never lost.
        moved = inbox.move(checkpoint.uidvalidity, sorted(rows), folder)
        if moved is None:
            return 0  # UIDVALIDITY changed under us: the next sync reads the folder again
        for uid in rows:
            rows[uid].moved_to = folder if uid in moved else f"(gone from {FOLDER_NAME})"
            session.add(rows[uid])
        session.commit()
        return len(moved)


def _quarantine(
    session: Session, mailbox: str, uidvalidity: int, uid: int, raw: bytes, now: datetime,
    exc: Exception,
) -> None:  # fmt: skip
    """Keep a message that failed unexpectedly, with the error, for a person to look at."""
    text = _storable(raw.decode("utf-8", "replace"))[:MAX_STORED_RAW_CHARACTERS]
    reason = _storable(f"{type(exc).__name__}: {exc}")[:500]
    session.add(Inbound(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, kind=QUARANTINED,
                        raw=text, received_at=now, synced_at=now,
                        note=f"set aside after an unexpected error: {reason}"))  # fmt: skip


_CHECKPOINTS = table_of(MailboxCheckpoint)
_ADVANCE = (
    update(_CHECKPOINTS)
    .where(
        _CHECKPOINTS.c.mailbox == bindparam("b_mailbox"),
        _CHECKPOINTS.c.uidvalidity == bindparam("b_validity"),
    )
    .values(
        # max(last_uid, uid), said so both SQLite and PostgreSQL take it
        last_uid=case(
            (_CHECKPOINTS.c.last_uid < bindparam("b_uid"), bindparam("b_uid")),
            else_=_CHECKPOINTS.c.last_uid,
        ),
        updated_at=bindparam("b_now", type_=UTCDateTime()),
    )
)


def advance_checkpoint(
    session: Session, mailbox: str, uidvalidity: int, uid: int, now: datetime
) -> None:
    """Move a folder's checkpoint past this UID (starting over when UIDVALIDITY changed)."""
    params = {"b_mailbox": mailbox, "b_validity": uidvalidity, "b_uid": uid, "b_now": now}
    if session.connection().execute(_ADVANCE, params).rowcount:
        return  # the usual case, in one statement; a new folder or UIDVALIDITY goes below
    checkpoint = session.get(MailboxCheckpoint, mailbox)
    if checkpoint is None:
        checkpoint = MailboxCheckpoint(mailbox=mailbox, uidvalidity=uidvalidity, updated_at=now)
    if checkpoint.uidvalidity != uidvalidity:
        checkpoint.uidvalidity, checkpoint.last_uid = uidvalidity, 0
    checkpoint.last_uid = max(checkpoint.last_uid, uid)
    checkpoint.updated_at = now
    session.add(checkpoint)


def _take(
    session: Session, mailbox: str, uidvalidity: int, uid: int, raw: bytes, now: datetime,
    return_path: str | None, headers_only: bool = False,
) -> str:  # fmt: skip
    """Record one inbound message and act on it; returns the kind it was counted as."""
    message = _parse(raw)
    reading = _read(message, now) if message is not None else None
    if message is None or reading is None:
        _store(session, mailbox, uidvalidity, uid, raw, now, None, None, None, "unreadable")
        return UNMATCHED
    if reading.message_id and _seen(session, mailbox, reading.message_id):
        # UIDVALIDITY changed and the folder is read again: the same mail counts once.
        _store(session, mailbox, uidvalidity, uid, raw, now, reading, None, None,
               "already read under an earlier UIDVALIDITY")  # fmt: skip
        return "duplicate"
    ours = _by_return_path(session, return_path, message)
    by_return_path = ours is not None
    if ours is not None:
        reading = _as_bounce_when_unrecognised(_against(reading, message, now, ours), ours)
    else:
        ours = _by_references(session, reading)
        if _misread_as_bounce(session, reading, ours, message):
            reading = _read_as_answer(reading, message, now)
            ours = _by_references(session, reading)
    by_headers = ours is not None  # VERP or our Message-ID: an answer to that message
    creator = _creator_for(session, reading, ours)
    notes: list[str] = []
    if headers_only:
        notes.append(f"over {MAX_MESSAGE_BYTES // 2**20} MB: only its headers were read")
    if creator is None and reading.kind is not InboundKind.BOUNCE:
        ours, creator = _by_subject_alone(session, reading)
        if creator is not None:
            notes.append("matched by its subject")
    if creator is not None and ours is None and reading.kind is not InboundKind.BOUNCE:
        ours = _latest_sent_to(session, creator, reading)
    if (
        creator is not None
        and not by_headers
        and not _after_first_contact(session, creator, reading, ours)
    ):
        # Mail from a creator we had not written to yet is no answer to us: it must not end
        # a sequence (or move a proposal) that has not begun.
        notes.append("written before our first message to them: not an answer")
        creator, ours = None, None
    if ours is not None and not by_return_path:
        reading = _against(reading, message, now, ours)
    if creator is not None and reading.kind is not InboundKind.BOUNCE:
        notes += _other_address_note(session, creator, reading, now)
    if creator is not None and creator.country and reading.kind is InboundKind.AUTO_REPLY:
        # The creator's country says whether 03/04 is the 3rd of April or the 4th of March.
        day_first = numeric_dates_day_first(creator.country)
        reading = replace(reading, return_date=stated_return_date(message, now, day_first))
    # What the row says of the message is decided first, so it is written once, whole.
    outcome, labelled = _outcome(session, reading, creator, now)
    row = _store(session, mailbox, uidvalidity, uid, raw, now, reading, ours, creator,
                 "; ".join(notes) or None, outcome)  # fmt: skip
    if creator is not None:
        _act(session, reading, creator, row, labelled)
    return row.kind


def _parse(raw: bytes) -> EmailMessage | None:
    try:
        return cast(EmailMessage, message_from_bytes(raw, policy=READ_ONCE))
    except Exception:  # any broken message is kept and listed, never allowed to stop a sync
        pass
    try:  # the headers alone, when the body defeats the parser
        return cast(EmailMessage, BytesHeaderParser(policy=READ_ONCE).parsebytes(raw))
    except Exception:
        return None


def _read(message: EmailMessage, now: datetime) -> Reading | None:
    try:
        return read_inbound(message, now)
    except Exception:  # any broken message is kept and listed, never allowed to stop a sync
        pass
    try:
        # A body nested or broken beyond reading: its headers still say what it answers.
        return read_headers_only(message)
    except Exception:
        return None


def _against(reading: Reading, message: EmailMessage, now: datetime, ours: Message) -> Reading:
    """An answer judged again knowing the subject we sent: its words are not the sender's."""
    if reading.kind is InboundKind.BOUNCE or not subject_has_auto_reply_words(reading.subject):
        return reading  # the first reading already judged this subject exactly
    return _read_as_answer(reading, message, now, ours.subject)


def _read_as_answer(
    reading: Reading, message: EmailMessage, now: datetime, sent_subject: str | None = None
) -> Reading:
    try:
        return read_as_answer(reading, message, now, sent_subject)
    except Exception:  # any broken message is kept and listed, never allowed to stop a sync
        return reading


def _misread_as_bounce(
    session: Session, reading: Reading, ours: Message | None, message: EmailMessage
) -> bool:
    """A bounce by heuristics alone (flufl.bounce, phrases) that names no address we sent to.

    Such readings come from people's replies (a quoted log line, a pasted address list): the
    message is read again as an answer.  An RFC 3464 report is a bounce by its form, and one
    about addresses we never wrote to still counts for nobody (see `_bounced_creator`).
    """
    if reading.kind is not InboundKind.BOUNCE or is_delivery_report(message):
        return False
    return _bounced_creator(session, reading, ours) is None


# Built once: each runs for every message read (building one costs more than running it).
_INBOUND = table_of(Inbound)
_SEEN = select(func.count()).where(_INBOUND.c.header_message_id == bindparam("b_id"))
_OURS_AMONG = (
    select(Message)
    .where(col(Message.message_id).in_(bindparam("b_references", expanding=True)))
    .order_by(col(Message.id))
)


def _seen(session: Session, mailbox: str, header_message_id: str) -> bool:
    """Whether this Message-ID was read before, in this mailbox or under any other name."""
    return bool(session.connection().execute(_SEEN, {"b_id": header_message_id}).scalar_one())


def _by_references(session: Session, reading: Reading) -> Message | None:
    """Our message it answers: by In-Reply-To/References, else a bounce's original id."""
    candidates = list(reading.references)
    if reading.bounce and reading.bounce.original_message_id:
        candidates.insert(0, reading.bounce.original_message_id)
    if not candidates:
        return None
    # One query for all; the first reference in the list that is ours wins, as before.
    found: dict[str, Message] = {}
    for ours in session.exec(_OURS_AMONG, params={"b_references": candidates}):
        found.setdefault(ours.message_id, ours)
    return next((found[reference] for reference in candidates if reference in found), None)


def _by_return_path(
    session: Session, return_path: str | None, message: EmailMessage
) -> Message | None:
    """With VERP on, the address a report came back to names our message: no parsing needed."""
    if return_path is None:
        return None
    found = verp_row(return_path, _delivered_to(message))
    if found is None:
        return None
    row_id, check = found
    ours = session.get(Message, row_id)
    if ours is None or not check_matches(ours.message_id, check):
        return None  # a guessed or forged token counts against nobody
    if ours.state not in (MessageState.SENT.value, MessageState.UNKNOWN.value):
        return None
    return ours


def _delivered_to(message: EmailMessage) -> list[str]:
    values: list[str] = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To"):
        try:
            values += [str(value) for value in message.get_all(name) or []]
        except Exception:  # a broken header is no evidence either way
            continue
    return [address for _, address in getaddresses(values) if "@" in address]


def _as_bounce_when_unrecognised(reading: Reading, ours: Message) -> Reading:
    """What came back to a return path: an auto-reply stays one; anything else is a bounce."""
    if reading.kind is InboundKind.AUTO_REPLY:
        return reading  # RFC 3834 auto-replies are sent to the return path too
    if reading.bounce is not None:
        # The return path names the recipient; the parsed one may be a forwarding alias.
        return replace(reading, bounce=replace(reading.bounce, recipients=(ours.to_address,)))
    # Only mail servers write to a return path, so a report there in a format we cannot read
    # is still a bounce of that message; soft, since we cannot tell why it failed.
    bounce = Bounce(recipients=(ours.to_address,), hard=False, status=None,
                    reason="a report in an unknown format came back to the return path",
                    original_message_id=ours.message_id)  # fmt: skip
    return replace(reading, kind=InboundKind.BOUNCE, bounce=bounce)


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


def _by_subject_alone(session: Session, reading: Reading) -> tuple[Message | None, Creator | None]:
    """A reply from an address we do not know, with no usable headers: the thread subject."""
    base = base_subject(reading.subject)
    if len(base) < MIN_SUBJECT_TO_MATCH:
        return None, None
    variants = [base, f"re: {base}", f"(광고) {base}", f"(광고) re: {base}"]
    statement = (
        select(Message)
        .where(
            func.lower(Message.subject).in_(variants),
            col(Message.state).in_([MessageState.SENT.value, MessageState.UNKNOWN.value]),
        )
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
        .limit(50)
    )
    found = list(session.exec(statement))
    creators = {message.creator_id for message in found}
    if len(creators) != 1:
        return None, None  # no match, or a subject several creators got: a person decides
    return found[0], session.get(Creator, found[0].creator_id)


def _after_first_contact(
    session: Session, creator: Creator, reading: Reading, ours: Message | None
) -> bool:
    """Whether this mail was written after our first message to the creator reached them."""
    if ours is None:
        return False  # we never wrote to them
    first = session.exec(
        select(func.min(Message.sent_at)).where(
            Message.creator_id == creator.id,
            col(Message.state).in_([MessageState.SENT.value, MessageState.UNKNOWN.value]),
        )
    ).one()
    if first is None or reading.sent_at is None or reading.sent_at.tzinfo is None:
        return True  # nothing to compare: the match stands
    return reading.sent_at >= first - FIRST_CONTACT_SKEW


def _latest_sent_to(session: Session, creator: Creator, reading: Reading) -> Message | None:
    """The message of ours a header-less reply most likely answers: same subject, else latest."""
    statement = (
        select(Message)
        .where(
            Message.creator_id == creator.id,
            col(Message.state).in_([MessageState.SENT.value, MessageState.UNKNOWN.value]),
        )
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
        .limit(50)
    )
    sent = list(session.exec(statement))
    base = base_subject(reading.subject)
    same = [message for message in sent if base_subject(message.subject) == base]
    return next(iter(same or sent), None)


def _other_address_note(
    session: Session, creator: Creator, reading: Reading, now: datetime
) -> list[str]:
    """A reply from another address of the creator (or a manager in copy) is noted."""
    if not reading.sender or reading.sender == creator.email.lower():
        return []
    note = f"sent from {reading.sender}, not {creator.email}"
    record_event(session, creator, "other_address", f"a message {note}", now,
                 detail={"address": reading.sender})  # fmt: skip
    return [note]


def _bounced_creator(session: Session, reading: Reading, ours: Message | None) -> Creator | None:
    """A bounce counts only against a message we sent, to the address it names.

    It must be tied to that message (VERP, its Message-ID in the report's references or quoted
    headers): a notice that only names a creator's address could come from anyone, and would
    suppress them everywhere (it is kept, unmatched, for a person to look at).
    """
    assert reading.bounce is not None
    recipients = {address.lower() for address in reading.bounce.recipients}
    if ours is not None and ours.to_address in recipients | (
        {ours.to_address} if not recipients else set()
    ):
        return session.get(Creator, ours.creator_id)
    return None


@dataclass(frozen=True)
class _Stored:
    """The inbound row as written: what acting on it needs to know."""

    id: int
    kind: str
    received_at: datetime
    message_id: int | None


# Built once: every message read is one row (a plain INSERT; the ORM's flush cost more).
_ADD_INBOUND = insert(_INBOUND).returning(_INBOUND.c.id)


def _store(
    session: Session, mailbox: str, uidvalidity: int, uid: int, raw: bytes, now: datetime,
    reading: Reading | None, ours: Message | None, creator: Creator | None, note: str | None,
    outcome: dict[str, Any] | None = None,
) -> _Stored:  # fmt: skip
    text = _storable(raw.decode("utf-8", "replace"))
    if len(text) > MAX_STORED_RAW_CHARACTERS:
        text = text[:MAX_STORED_RAW_CHARACTERS]
        note = (note + "; " if note else "") + "raw message cut at 1,000,000 characters"
    # Every column named, the unset ones as None: each row then has the same keys, so one
    # compiled INSERT serves them all.
    row: dict[str, Any] = dict(
        mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
        kind=reading.kind.value if reading else UNMATCHED,
        label=None, confidence=None, needs_review=None, label_corrected_at=None,
        language=reading.language if reading else None,
        sender=_storable(reading.sender) if reading and reading.sender else None,
        subject=_storable(reading.subject) if reading else "",
        text=_storable(reading.text) if reading else "",
        header_message_id=_storable(reading.message_id) if reading and reading.message_id
        else None,
        in_reply_to=ours.message_id if ours else None,
        creator_id=creator.id if creator else None,
        message_id=ours.id if ours else None,
        note=note, raw=text, synced_at=now, handled_at=None, moved_to=None,
        received_at=answered_at(reading.sent_at if reading else None,
                                ours.sent_at if ours else None, now),
    )  # fmt: skip
    row.update(outcome or {})
    row_id = session.connection().execute(_ADD_INBOUND, row).scalar_one()
    return _Stored(row_id, row["kind"], row["received_at"], row["message_id"])


def _storable(text: str) -> str:
    # PostgreSQL text cannot hold NUL: one NUL in a hostile mail must not stop every sync.
    return text.replace("\x00", "\ufffd")


def _outcome(
    session: Session, reading: Reading, creator: Creator | None, now: datetime
) -> tuple[dict[str, Any], Classified | None]:
    """What the row records of how the message was handled, and a reply's label."""
    if creator is None:
        return {"kind": UNMATCHED}, None
    if reading.kind is InboundKind.REPLY:
        labelled = classify_reply(reading.text, workspace_corrections(session))
        return {
            "label": labelled.label.value, "confidence": labelled.confidence,
            "needs_review": labelled.needs_review,
            "language": reading.language or labelled.language,
        }, labelled  # fmt: skip
    if reading.kind is InboundKind.BOUNCE and reading.bounce and reading.bounce.delayed:
        # "Will keep trying": nothing has failed, and the notice counts for nothing.
        return {"kind": InboundKind.DELAY.value, "label": DELAYED, "handled_at": now}, None
    # Opt-outs, bounces and auto-replies are dealt with here and need no answer.
    return {"handled_at": now}, None


def _act(
    session: Session, reading: Reading, creator: Creator, row: _Stored,
    labelled: Classified | None,
) -> None:  # fmt: skip
    """Act on an answer; its history counts from when it was written, not when it was read."""
    summary = f"{reading.subject!r}"
    at = row.received_at
    if reading.kind is InboundKind.REPLY:
        assert labelled is not None
        record_event(session, creator, "classified",
                     f"reply labelled {labelled.label.value} ({labelled.confidence:.2f})", at,
                     detail={"inbound_id": row.id, "label": labelled.label.value,
                             "confidence": labelled.confidence})  # fmt: skip
        note = f"{labelled.label.value}: {_first_line(reading.text)}"
        record_reply(session, creator, ReplyKind.REPLY, at, note)
    elif reading.kind is InboundKind.OPT_OUT:
        # The words that opted out (the body's line, else the subject), not the greeting.
        said = opt_out_line(reading.text) or reading.subject.strip() or _first_line(reading.text)
        record_reply(session, creator, ReplyKind.OPT_OUT, at, said[:120])
    elif reading.kind is InboundKind.BOUNCE:
        _bounce(session, reading, creator, row)
    else:
        _auto_reply(session, reading, creator, row, summary)


def _bounce(session: Session, reading: Reading, creator: Creator, row: _Stored) -> None:
    """Two questions: was our message delivered (no: its sequence stops), is the address bad?"""
    assert reading.bounce is not None
    at = row.received_at
    bounce = reading.bounce
    status = bounce.status or "no status"
    said = f": {bounce.server_text}" if bounce.server_text else ""
    if bounce.delayed:  # stored as a delay (see _outcome): only the history hears of it
        record_event(session, creator, "delivery_delayed",
                     f"delivery delayed ({status}): not delivered yet, the server keeps trying; "
                     f"nothing has failed{said}", at)  # fmt: skip
        return
    failed = _failed_messages(session, creator)
    if bounce.hard or len(failed) >= SOFT_BOUNCES_BEFORE_SUPPRESSION:
        why = bounce.status or ("hard" if bounce.hard else f"{len(failed)} soft bounces")
        record_reply(session, creator, ReplyKind.BOUNCE, at, f"{why}: {bounce.reason}{said}")
        return
    # Not delivered, yet the address may be fine (a full mailbox, a policy rejection): this
    # message's sequence stops, so no follow-up chases a proposal that never arrived.
    record_event(session, creator, "delivery_failed",
                 f"not delivered ({status}, {bounce.reason}){said}", at,
                 detail={"inbound_id": row.id, "status": bounce.status})  # fmt: skip
    ours = session.get(Message, row.message_id) if row.message_id is not None else None
    if ours is not None:
        record_failed_delivery(session, creator, ours, at, f"{status} {bounce.reason}")


_BOUNCES_OF = select(Inbound.id, Inbound.message_id).where(
    Inbound.creator_id == bindparam("b_creator"),
    Inbound.kind == InboundKind.BOUNCE.value,
    or_(col(Inbound.label).is_(None), col(Inbound.label) != DELAYED),
)
_QUEUED_TO = select(Message).where(
    Message.creator_id == bindparam("b_creator"), Message.state == MessageState.QUEUED.value
)


def _failed_messages(session: Session, creator: Creator) -> set[str]:
    """Our messages to the creator that failed, by their bounces so far (this one included).

    Several notices about one message (a retry, two servers reporting) are one failure; a
    notice whose message is unknown cannot be told apart from others and counts on its own.
    """
    rows = session.exec(_BOUNCES_OF, params={"b_creator": creator.id}).all()
    return {
        f"message {message_id}" if message_id is not None else f"notice {row_id}"
        for row_id, message_id in rows
    }


def _auto_reply(
    session: Session, reading: Reading, creator: Creator, row: _Stored, summary: str
) -> None:
    back = reading.return_date
    record_event(session, creator, "auto_reply", f"auto-reply {summary}"
                 + (f", back on {back}" if back else ""), row.received_at)  # fmt: skip
    if back is None:
        return
    # The pending follow-up moves to the day after the stated return.
    later = datetime.combine(back, time(0), UTC) + timedelta(days=1)
    for enrollment in active_sequences(session, creator.id):
        if enrollment.next_due_at is not None and enrollment.next_due_at < later:
            enrollment.next_due_at = later
            session.add(enrollment)
    for message in session.exec(_QUEUED_TO, params={"b_creator": creator.id}):
        if message.scheduled_at is None or message.scheduled_at < later:
            message.scheduled_at = later
            message.last_error = f"put off until the creator is back ({back})"
            session.add(message)


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line[:120]
