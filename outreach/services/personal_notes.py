"""Personal notes per creator and campaign: which one a first touch carries, and writing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, and_, col, func, or_, select

from outreach.adapters.models import (
    Creator,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
)
from outreach.core.sincerity import GUARD_PREFIX, NEEDS_PERSONAL_NOTE, NOTE_WRITTEN
from outreach.errors import NotFoundError, OutreachError
from outreach.services.creators import find_creator
from outreach.services.history import record_event

# Long enough for any sincere paragraph; a pasted document is a mistake, not a note.
MAX_NOTE_CHARACTERS = 2000


def held_for_its_note() -> ColumnElement[bool]:
    """The messages held for their personal note: none written yet, or one the guard held."""
    return and_(
        col(Message.state) == MessageState.HELD.value,
        or_(Message.last_error == NEEDS_PERSONAL_NOTE,
            col(Message.last_error).startswith(GUARD_PREFIX)),
    )  # fmt: skip


@dataclass(frozen=True)
class NotesVersion:
    """What moves whenever a note may have changed: profiles, and notes written per campaign."""

    creators: int
    creators_changed: datetime | None  # the last profile imported or edited
    campaign_notes: int
    campaign_note_written: datetime | None

    @property
    def latest_change(self) -> datetime | None:
        """When a note last changed (or may have)."""
        moments = (self.creators_changed, self.campaign_note_written)
        return max((m for m in moments if m is not None), default=None)


# Four statements built once, each one SQLite answers from an index (a max() alone reads one
# entry; together with a count it read the whole table): the guard asks for the version with
# every first touch it judges, and with 100,000 creators the two combined queries took 43 ms.
_VERSION_PARTS = (
    select(func.count()).select_from(Creator),
    select(func.max(Creator.updated_at)),
    select(func.count()).where(col(Enrollment.note_written_at).is_not(None)),
    select(func.max(Enrollment.note_written_at)),
)


def notes_version(session: Session) -> NotesVersion:
    """The notes' version: how many profiles and campaign notes, and their latest change."""
    creators, changed, notes, written = (
        session.connection().execute(part).scalar() for part in _VERSION_PARTS
    )
    return NotesVersion(creators or 0, changed, notes or 0, written)


def note_for(creator: Creator, enrollment: Enrollment | None) -> str:
    """The note a first touch carries: the one written for this campaign, else the profile's."""
    if enrollment is not None and (enrollment.personal_note or "").strip():
        return (enrollment.personal_note or "").strip()
    return (creator.personal_note or "").strip()


def campaign_note(session: Session, creator: Creator, campaign: str) -> str:
    """The note the creator's messages in this campaign carry (theirs when not enrolled)."""
    return note_for(creator, _enrollment(session, creator, campaign))


def _enrollment(session: Session, creator: Creator, campaign: str) -> Enrollment | None:
    statement = select(Enrollment).where(
        Enrollment.campaign == campaign, Enrollment.creator_id == creator.id
    )
    return session.exec(statement).first()


def enrollment_of(session: Session, handle: str, campaign: str) -> tuple[Creator, Enrollment]:
    """The creator and their enrolment in the campaign; refuses naming both when there is none."""
    creator = find_creator(session, handle)
    enrollment = _enrollment(session, creator, campaign)
    if enrollment is None:
        raise NotFoundError(
            f"@{creator.handle} is not enrolled in campaign {campaign!r}; "
            f"enrol them first: outreach campaign enroll {campaign}"
        )
    return creator, enrollment


def write_note(
    session: Session, handle: str, campaign: str, text: str, now: datetime
) -> tuple[Creator, Enrollment]:
    """Set the creator's note for the campaign; a first touch held for it is planned again."""
    note = text.strip()
    if not note:
        raise OutreachError("the personal note is empty; write why this creator, in their language")
    if len(note) > MAX_NOTE_CHARACTERS:
        raise OutreachError(
            f"the personal note is {len(note)} characters; at most {MAX_NOTE_CHARACTERS}"
        )
    if "\x00" in note:
        raise OutreachError("the personal note contains a NUL character")
    creator, enrollment = enrollment_of(session, handle, campaign)
    if first_touch_sent(session, enrollment):
        raise OutreachError(
            f"the first message to @{creator.handle} in {campaign!r} already went; "
            "a note now would change nothing (record what you know with 'outreach note')"
        )
    enrollment.personal_note, enrollment.note_written_at = note, now
    session.add(enrollment)
    summary = f"personal note for {campaign!r} written ({len(note)} characters)"
    record_event(session, creator, "note_written", summary, now)
    _release_first_touch(session, enrollment, now)
    return creator, enrollment


def _release_first_touch(session: Session, enrollment: Enrollment, now: datetime) -> None:
    """The first touch held for its note is planned again, into the same row (see planning)."""
    statement = select(Message).where(
        Message.enrollment_id == enrollment.id, Message.step == 1, held_for_its_note()
    )
    held = session.exec(statement).first()
    if held is None or enrollment.state != EnrollmentState.ACTIVE.value:
        return
    held.last_error = NOTE_WRITTEN
    enrollment.next_step, enrollment.next_due_at = 1, now
    session.add_all([held, enrollment])


def first_touch_sent(session: Session, enrollment: Enrollment) -> bool:
    """Whether the campaign's first message already went (a new note would change nothing)."""
    statement = select(Message.id).where(
        Message.enrollment_id == enrollment.id,
        Message.step == 1,
        col(Message.state).in_([MessageState.SENT.value, MessageState.UNKNOWN.value]),
    )
    return session.exec(statement).first() is not None
