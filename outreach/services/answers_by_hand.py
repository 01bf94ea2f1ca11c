"""Answers a person records by hand (a DM, a call): stored like synced mail, counted alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Inbound, Message, MessageState
from outreach.core.reply_labels import ReplyLabel
from outreach.errors import NotFoundError, OutreachError
from outreach.services.history import record_event
from outreach.services.replies import ReplyKind, record_reply

# The "mailbox" of answers recorded by hand: their rows sit beside the synced ones, so
# `replies list`, `replies done`, the report and partner scores count one code path.
BY_HAND = "(recorded by hand)"
_INBOUND_KINDS = {
    ReplyKind.REPLY: "reply",
    ReplyKind.BOUNCE: "bounce",
    ReplyKind.OPT_OUT: "opt_out",
}


@dataclass(frozen=True)
class RecordedAnswer:
    """The stored answer and how many sequences it ended."""

    row: Inbound
    ended: int


def record_answer_by_hand(
    session: Session,
    creator: Creator,
    kind: ReplyKind,
    now: datetime,
    at: datetime | None = None,
    label: ReplyLabel | None = None,
    text: str = "",
    campaign: str | None = None,
) -> RecordedAnswer:
    """Store a reply, bounce or opt-out told to us outside the inbox, and act on it.

    It answers our latest message to the creator sent by `at` (in `campaign` when given), so
    it counts for that campaign, step and template like a synced reply. Nothing is committed.
    """
    at = at or now
    if at > now:
        raise OutreachError(f"--at {at:%Y-%m-%d %H:%M} UTC is in the future")
    if label is not None and kind is not ReplyKind.REPLY:
        raise OutreachError("--label is for replies (--kind reply)")
    ours = _answered_message(session, creator, at, campaign)
    row = Inbound(
        mailbox=BY_HAND, uidvalidity=0, uid=_next_uid(session), kind=_INBOUND_KINDS[kind],
        label=label.value if label else None, confidence=1.0 if label else None,
        sender=creator.email, subject="", text=text,
        in_reply_to=ours.message_id if ours else None, creator_id=creator.id,
        message_id=ours.id if ours else None, note="recorded by hand",
        received_at=at,
        # A bounce or opt-out needs no answer from us; a reply does, until `replies done`.
        handled_at=None if kind is ReplyKind.REPLY else now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if label is not None:
        record_event(session, creator, "classified", f"reply labelled {label.value} by hand",
                     now, detail={"inbound_id": row.id, "label": label.value,
                                  "confidence": 1.0})  # fmt: skip
    note = ": ".join(part for part in (label.value if label else "", text) if part)
    ended = record_reply(session, creator, kind, now, note)
    return RecordedAnswer(row, ended)


def _answered_message(
    session: Session, creator: Creator, at: datetime, campaign: str | None
) -> Message | None:
    statement = (
        select(Message)
        .where(Message.creator_id == creator.id, Message.state == MessageState.SENT.value,
               col(Message.sent_at) <= at)
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
    )  # fmt: skip
    if campaign is not None:
        statement = statement.where(Message.campaign == campaign)
    found = session.exec(statement).first()
    if found is None and campaign is not None:
        raise NotFoundError(
            f"@{creator.handle} got no message in campaign {campaign!r} before "
            f"{at:%Y-%m-%d %H:%M} UTC"
        )
    return found


def _next_uid(session: Session) -> int:
    # Hand-recorded rows are numbered in their own "mailbox"; a person records one at a time.
    last = session.exec(select(func.max(Inbound.uid)).where(Inbound.mailbox == BY_HAND)).one()
    return int(last or 0) + 1
