"""The sincerity guard over the database: a creator's note against every other creator's."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Enrollment
from outreach.core.addressing import EmptyAddressError, first_name
from outreach.core.sincerity import NoteSubject, Verdict, judge


def subject_of(creator: Creator, product: str | None = None) -> NoteSubject:
    """What the guard knows of a creator: their note, names, and what the note may name."""
    names = [creator.handle, creator.name or ""]
    with contextlib.suppress(EmptyAddressError):  # no name: the handle is enough
        names.append(first_name(creator.name))
    facts = [*creator.niches, creator.recent_post or "", product or ""]
    return NoteSubject(
        handle=creator.handle, note=creator.personal_note or "", language=creator.language,
        names=tuple(n for n in names if n), facts=tuple(f for f in facts if f),
    )  # fmt: skip


def campaign_check(session: Session, campaign: str, product: str) -> list[CheckRow]:
    """The guard over every creator enrolled in the campaign, as `campaign check` shows it."""
    enrolled = list(session.exec(
        select(Creator).join(Enrollment, col(Enrollment.creator_id) == col(Creator.id))
        .where(Enrollment.campaign == campaign).order_by(col(Creator.handle))
    ))  # fmt: skip
    ids = {creator.id for creator in enrolled}
    others = {c.handle: c.personal_note or "" for c in _creators_with_notes(session)
              if c.id not in ids}  # fmt: skip
    verdicts = {v.handle: v for v in judge([subject_of(c, product) for c in enrolled], others)}
    return [CheckRow(creator.handle, verdicts.get(creator.handle)) for creator in enrolled]


@dataclass(frozen=True)
class CheckRow:
    """One creator in `campaign check`: their verdict, or None when they have no note."""

    handle: str
    verdict: Verdict | None


def note_problem(session: Session, creator: Creator, product: str | None = None) -> str | None:
    """Why this creator's note must not go in a first touch (None: it may, or there is none)."""
    if not (creator.personal_note or "").strip():
        return None
    everyone = [c for c in _creators_with_notes(session) if c.id != creator.id]
    subjects = [subject_of(creator, product), *(subject_of(c) for c in everyone)]
    mine = next(v for v in judge(subjects) if v.handle == creator.handle)
    return mine.problem


def _creators_with_notes(session: Session) -> list[Creator]:
    statement = select(Creator).where(
        func.length(func.trim(func.coalesce(col(Creator.personal_note), ""))) > 0
    )
    return list(session.exec(statement))
