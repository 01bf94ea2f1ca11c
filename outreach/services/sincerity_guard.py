"""The sincerity guard over the database: a creator's note against every other creator's."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Enrollment
from outreach.core.addressing import EmptyAddressError, first_name
from outreach.core.sincerity import (
    NoteIndex,
    NoteSubject,
    Verdict,
    fingerprint,
    judge,
    judge_one,
)
from outreach.services.personal_notes import NotesVersion, note_for, notes_version


def subject_of(
    creator: Creator, product: str | None = None, note: str | None = None
) -> NoteSubject:
    """What the guard knows of a creator: their note, names, and what the note may name."""
    names = [creator.handle, creator.name or ""]
    with contextlib.suppress(EmptyAddressError):  # no name: the handle is enough
        names.append(first_name(creator.name))
    facts = [*creator.niches, creator.recent_post or "", product or ""]
    return NoteSubject(
        handle=creator.handle, note=creator.personal_note or "" if note is None else note,
        language=creator.language, names=tuple(n for n in names if n),
        facts=tuple(f for f in facts if f),
    )  # fmt: skip


def campaign_check(session: Session, campaign: str, product: str) -> list[CheckRow]:
    """The guard over every creator enrolled in the campaign, as `campaign check` shows it."""
    enrolled = list(session.exec(
        select(Creator, Enrollment).join(Enrollment, col(Enrollment.creator_id) == col(Creator.id))
        .where(Enrollment.campaign == campaign).order_by(col(Creator.handle))
    ))  # fmt: skip
    subjects = [subject_of(c, product, note_for(c, e)) for c, e in enrolled]
    ids = {creator.id for creator, _ in enrolled}
    verdicts = {v.handle: v for v in judge(subjects, _other_notes(session, ids, campaign))}
    return [CheckRow(creator.handle, verdicts.get(creator.handle)) for creator, _ in enrolled]


@dataclass(frozen=True)
class CheckRow:
    """One creator in `campaign check`: their verdict, or None when they have no note."""

    handle: str
    verdict: Verdict | None


def note_problem(
    session: Session, creator: Creator, product: str | None = None, note: str | None = None
) -> str | None:
    """Why this note (the profile's by default) must not go in a first touch (None: it may)."""
    subject = subject_of(creator, product, note)
    if not subject.note.strip():
        return None
    guard = _guard(session)
    # Planning and sending both ask about each first touch: while no note has changed, the
    # answer stands, and comparing a note with thousands of others costs tens of milliseconds.
    if subject not in guard.problems:
        guard.problems[subject] = judge_one(subject, guard.index).problem
    return guard.problems[subject]


@dataclass
class _Guard:
    """Every note indexed, and the answers given so far, for one version of the notes."""

    version: NotesVersion
    index: NoteIndex
    problems: dict[NoteSubject, str | None] = field(default_factory=dict)


# Per database: rebuilt only when a note (or a creator's names) may have changed.
_GUARDS: dict[str, _Guard] = {}


def _guard(session: Session) -> _Guard:
    """Every creator's notes (profile and per campaign), indexed; cached until one changes."""
    version = notes_version(session)
    key = str(session.get_bind().engine.url)
    cached = _GUARDS.get(key)
    if cached is not None and cached.version == version:
        return cached
    index = NoteIndex(fingerprint(subject) for subject in _other_notes(session, set()))
    _GUARDS[key] = _Guard(version, index)
    return _GUARDS[key]


def _other_notes(
    session: Session, excluded: set[int | None], campaign: str | None = None
) -> list[NoteSubject]:
    """Every other creator's notes: on their profile and written for any campaign.

    A campaign's own notes are left out when `campaign` is given: its creators are judged.
    """
    written = func.length(func.trim(func.coalesce(col(Creator.personal_note), ""))) > 0
    others = [subject_of(c) for c in session.exec(select(Creator).where(written))
              if c.id not in excluded]  # fmt: skip
    per_campaign = (
        select(Creator, Enrollment)
        .join(Enrollment, col(Enrollment.creator_id) == col(Creator.id))
        .where(func.length(func.trim(func.coalesce(col(Enrollment.personal_note), ""))) > 0)
    )
    if campaign is not None:
        per_campaign = per_campaign.where(Enrollment.campaign != campaign)
    others += [subject_of(c, note=e.personal_note) for c, e in session.exec(per_campaign)
               if c.id not in excluded]  # fmt: skip
    return others
