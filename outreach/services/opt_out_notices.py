"""Tell creators in Korea, once and within 14 days, that their opt-out was processed."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.parser import HeaderParser
from email.policy import default as default_policy
from email.utils import make_msgid

from sqlalchemy import and_, bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Message, MessageState, Suppression, table_of
from outreach.core.addresses import domain_of
from outreach.core.context import sender_from
from outreach.core.legal_profiles import korean_advertising
from outreach.core.message_builder import Envelope, build_message
from outreach.core.opt_out_notices import (
    NOTICE_DAYS,
    NOTICE_TEMPLATE,
    notice_occasion,
    notice_text,
)
from outreach.services.app import App
from outreach.services.composing import Composed
from outreach.services.history import record_event
from outreach.services.outbox import store_outgoing
from outreach.services.replies import ReplyKind


def queue_opt_out_notices(app: App, now: datetime) -> int:
    """Queue the notice for every creator in Korea who opted out in the last 14 days and
    has not had it; return how many were queued."""
    queued = 0
    with app.session() as session:
        for creator, opted_out_at in _owed(session, now):
            last = _last_sent(session, creator)
            if last is None:
                continue  # never written to: nothing to confirm, and no thread to answer
            notice = _store_notice(app, session, creator, last, opted_out_at, now)
            record_event(session, creator, "opt_out_notice", "opt-out notice queued (Korea's "
                         "Network Act: within 14 days)", now, message_id=notice.id)  # fmt: skip
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # another worker queued it first: the occasion is unique
                continue
            queued += 1
    return queued


_SUPPRESSIONS = table_of(Suppression)
_RECENT_OPT_OUT = and_(
    _SUPPRESSIONS.c.source == ReplyKind.OPT_OUT.value,  # as record_reply stores it
    _SUPPRESSIONS.c.created_at >= bindparam("since"),
)
# Built once: asked at every pass of the worker, where nearly always no opt-out is recent.
_ANY_RECENT_OPT_OUT = select(_SUPPRESSIONS.c.address).where(_RECENT_OPT_OUT).limit(1)


def _owed(session: Session, now: datetime) -> list[tuple[Creator, datetime]]:
    """Creators whose opt-out is recent enough and who have no notice in the outbox yet."""
    since = {"since": now - timedelta(days=NOTICE_DAYS)}
    if session.connection().execute(_ANY_RECENT_OPT_OUT, since).first() is None:
        return []  # the usual case: one small probe, and done
    statement = (
        select(Creator, Suppression.created_at)
        .join(Suppression, col(Suppression.address) == col(Creator.email))
        .where(_RECENT_OPT_OUT)
    )
    recent = {
        notice_occasion(creator.id): (creator, at)
        for creator, at in session.exec(statement, params=since)
        if creator.id is not None and korean_advertising(creator.country)
    }
    if not recent:
        return []
    given = select(Message.occasion).where(col(Message.occasion).in_(list(recent)))
    for occasion in session.exec(given):
        recent.pop(occasion or "", None)
    return list(recent.values())


def _last_sent(session: Session, creator: Creator) -> Message | None:
    statement = (
        select(Message)
        .where(Message.creator_id == creator.id, Message.state == MessageState.SENT.value)
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
    )
    return session.exec(statement).first()


def _store_notice(
    app: App, session: Session, creator: Creator, last: Message, opted_out_at: datetime,
    now: datetime,
) -> Message:  # fmt: skip
    """Queue the notice, from the mailbox and sender the creator last heard from."""
    assert creator.id is not None
    from_header = HeaderParser(policy=default_policy).parsestr(last.raw)["From"] or ""
    sender = sender_from(str(from_header), app.settings.company)
    name = sender.company or sender.name or sender.address
    rendered = notice_text(creator.language or "ko", name, opted_out_at.date())
    envelope = Envelope(
        from_header=sender.from_header, to_name=creator.name, to_address=creator.email,
        message_id=make_msgid(domain=domain_of(sender.address)), date=now,
        unsubscribe_address=app.settings.unsubscribe_mailto or sender.address,
    )  # fmt: skip
    identity = ", ".join(part for part in (sender.from_header, app.settings.postal_address) if part)
    built = build_message(rendered, envelope, f"--\n{identity}\n")
    composed = Composed(NOTICE_TEMPLATE, "ko", rendered, envelope, built)
    row = store_outgoing(session, creator, composed, campaign=None, state=MessageState.QUEUED,
                         now=now, scheduled_at=now)  # fmt: skip
    # Its natural key: a second worker, or a second pass, cannot queue it twice.
    row.occasion, row.mailbox = notice_occasion(creator.id), last.mailbox
    session.add(row)
    return row
