"""What waits for a person before a first touch goes: notes to write, proposals to approve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, and_, col, or_, select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator, Enrollment, EnrollmentState, Message, MessageState
from outreach.core.sincerity import GUARD_PREFIX, NEEDS_PERSONAL_NOTE
from outreach.errors import NotFoundError
from outreach.services.app import App
from outreach.services.composing import Composed, compose
from outreach.services.personal_notes import note_for
from outreach.services.sequences import end_enrollment

NEEDS_NOTE = "needs a note"
NOTE_HELD = "note held"
AWAITING_APPROVAL = "awaiting approval"
# Shown where the note goes while it is not written yet, so the draft still reads in place.
NOTE_PLACEHOLDER = "[personal note: not written yet]"


@dataclass(frozen=True)
class Draft:
    """One first touch waiting for a person, with the profile facts to write from."""

    message: Message
    creator: Creator
    enrollment: Enrollment | None

    @property
    def kind(self) -> str:
        """Needs a note, note held by the guard, or awaiting approval."""
        if self.message.state == MessageState.DRAFT.value:
            return AWAITING_APPROVAL
        return NEEDS_NOTE if self.message.last_error == NEEDS_PERSONAL_NOTE else NOTE_HELD

    @property
    def note(self) -> str:
        """The note it carries or will carry (empty when none is written)."""
        return note_for(self.creator, self.enrollment)

    def facts(self) -> dict[str, Any]:
        """What a person writes the note from."""
        c = self.creator
        return {
            "name": c.name,
            "language": c.language,
            "country": c.country,
            "niches": list(c.niches),
            "followers": c.followers,
            "engagement_rate": c.engagement_rate,
            "bio": c.bio,
            "recent_post": c.recent_post,
            "recent_post_url": c.recent_post_url,
        }

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of `outreach drafts list --format json`."""
        m = self.message
        return {
            "id": m.id,
            "creator": self.creator.handle,
            "campaign": m.campaign,
            "kind": self.kind,
            "reason": None if self.kind == AWAITING_APPROVAL else m.last_error,
            "since": (m.scheduled_at or m.created_at).isoformat(),
            "personal_note": self.note or None,
            "profile": self.facts(),
        }


def waiting_drafts(session: Session, campaign: str | None = None) -> list[Draft]:
    """First touches waiting for a note or for approval, oldest first."""
    statement = (
        select(Message, Creator, Enrollment)
        .join(Creator, col(Message.creator_id) == col(Creator.id))
        .join(Enrollment, col(Message.enrollment_id) == col(Enrollment.id), isouter=True)
        .where(
            or_(
                Message.state == MessageState.DRAFT.value,
                and_(
                    col(Message.state) == MessageState.HELD.value,
                    or_(
                        Message.last_error == NEEDS_PERSONAL_NOTE,
                        col(Message.last_error).startswith(GUARD_PREFIX),
                    ),
                ),
            )
        )
        .order_by(col(Message.created_at), col(Message.id))
    )
    if campaign is not None:
        statement = statement.where(Message.campaign == campaign)
    return [Draft(m, c, e) for m, c, e in session.exec(statement)]


def find_draft(session: Session, message_id: int) -> Draft:
    """One waiting draft by its id; refuses naming the id when it waits for nobody."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFoundError(f"no message {message_id}; see 'outreach drafts list'")
    for draft in waiting_drafts(session, message.campaign):
        if draft.message.id == message_id:
            return draft
    raise NotFoundError(
        f"message {message_id} is {message.state}, not waiting for a person; "
        "see 'outreach drafts list'"
    )


def render_draft(app: App, draft: Draft, now: datetime) -> Composed | None:
    """The draft as it would go out (a missing note shown as a placeholder).

    None when the stored text is what goes (an approval draft is already rendered).
    """
    if draft.message.state == MessageState.DRAFT.value:
        return None
    assert draft.message.campaign is not None
    spec = find_campaign(app.schedules, draft.message.campaign)
    return compose(
        app.settings, app.templates, draft.creator, draft.message.template, spec, now,
        personal_note=draft.note or NOTE_PLACEHOLDER,
    )  # fmt: skip


def skip_draft(session: Session, draft: Draft, now: datetime) -> None:
    """A person decided this creator gets no proposal in this campaign: the sequence ends."""
    draft.message.state = MessageState.SKIPPED.value
    session.add(draft.message)
    if draft.enrollment is not None and draft.enrollment.state == EnrollmentState.ACTIVE.value:
        end_enrollment(session, draft.enrollment, draft.creator, EnrollmentState.STOPPED,
                       "proposal skipped by a person", now)  # fmt: skip
