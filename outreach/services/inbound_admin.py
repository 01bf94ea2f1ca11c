"""What a person does with inbound mail: list it, read one, mark a reply answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Inbound
from outreach.core.reply_labels import CONFIDENT, ReplyLabel
from outreach.errors import NotFoundError


@dataclass(frozen=True)
class InboundRow:
    """One inbound message with its creator's handle (None when unmatched)."""

    inbound: Inbound
    handle: str | None

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of `outreach replies list --format json`."""
        i = self.inbound
        return {
            "id": i.id,
            "creator": self.handle,
            "kind": i.kind,
            "label": i.label,
            "confidence": i.confidence,
            "language": i.language,
            "from": i.sender,
            "subject": i.subject,
            "text": i.text,
            "received_at": i.received_at.isoformat(),
            "in_reply_to": i.in_reply_to,
            "answered_at": i.handled_at.isoformat() if i.handled_at else None,
            "needs_review": self.needs_review,
            "note": i.note,
        }

    @property
    def needs_review(self) -> bool:
        """A reply whose label is unsure: a person reads it before anyone acts on the label."""
        i = self.inbound
        if i.kind != "reply":
            return False
        if i.needs_review is not None:
            return i.needs_review
        return i.label in (None, ReplyLabel.UNCLEAR.value) or (i.confidence or 0) < CONFIDENT


def list_inbound(session: Session, needs_response: bool = False) -> list[InboundRow]:
    """Inbound messages oldest first; optionally only replies still waiting for us."""
    statement = (
        select(Inbound, Creator.handle)
        .join(Creator, isouter=True)
        .order_by(col(Inbound.received_at), col(Inbound.id))
    )
    if needs_response:
        # Replies, and mail set aside after an unexpected error: both wait for a person.
        statement = statement.where(
            col(Inbound.kind).in_(["reply", "quarantined"]), col(Inbound.handled_at).is_(None)
        )
    return [InboundRow(row, handle) for row, handle in session.exec(statement)]


def get_inbound(session: Session, inbound_id: int) -> InboundRow:
    """One inbound message, or NotFoundError."""
    row = session.get(Inbound, inbound_id)
    if row is None:
        raise NotFoundError(f"no inbound message {inbound_id}; see 'outreach replies list'")
    creator = session.get(Creator, row.creator_id) if row.creator_id else None
    return InboundRow(row, creator.handle if creator else None)


def mark_done(session: Session, inbound_id: int, now: datetime) -> None:
    """Record that a person answered this reply."""
    row = get_inbound(session, inbound_id).inbound
    row.handled_at = now
    session.add(row)
    session.commit()


def age(span: timedelta) -> str:
    """A short human age: 3d 4h, 5h 12m, 40m."""
    minutes = max(int(span.total_seconds()) // 60, 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"
