"""The append-only relationship history of each creator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Event, table_of

_EVENTS = table_of(Event)
_ADD_EVENT = insert(_EVENTS)  # built once: every send adds at least one event


def record_event(
    session: Session,
    creator: Creator,
    kind: str,
    summary: str,
    at: datetime,
    message_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event to the creator's history (the caller commits)."""
    assert creator.id is not None
    add_event(session, creator.id, kind, summary, at, message_id=message_id, detail=detail)


def add_event(
    session: Session,
    creator_id: int,
    kind: str,
    summary: str,
    at: datetime,
    message_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event to a creator's history, known by id (the caller commits)."""
    row = {"creator_id": creator_id, "at": at, "kind": kind, "summary": summary,
           "message_id": message_id, "detail": detail or {}}  # fmt: skip
    session.connection().execute(_ADD_EVENT, row)


def timeline(session: Session, creator: Creator) -> list[Event]:
    """Every event of the creator, oldest first (newest last)."""
    statement = (
        select(Event).where(Event.creator_id == creator.id).order_by(col(Event.at), col(Event.id))
    )
    return list(session.exec(statement))


def history_json(creator: Creator, events: list[Event]) -> dict[str, Any]:
    """The documented JSON shape of `outreach history HANDLE --format json`."""
    return {
        "creator": creator.handle,
        "platform": creator.platform or None,
        "name": creator.name,
        "email": creator.email,
        "status": creator.status,
        "ambassador": creator.ambassador,
        "events": [
            {"at": event.at.isoformat(), "kind": event.kind, "summary": event.summary,
             "detail": event.detail}
            for event in events
        ],
    }  # fmt: skip
