"""What waits for a person before a first touch goes: notes to write, proposals to approve."""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email import message_from_string
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator, Enrollment, EnrollmentState, Message, MessageState
from outreach.core.edited_drafts import EditError, editor_text, read_edited
from outreach.core.message_builder import Envelope, HeaderInjection, build_message
from outreach.core.rendered import RenderedMessage
from outreach.core.sincerity import NEEDS_PERSONAL_NOTE
from outreach.errors import NotFoundError, OutreachError
from outreach.services.app import App
from outreach.services.composing import Composed, compose
from outreach.services.history import record_event
from outreach.services.mailboxes import find_mailbox
from outreach.services.personal_notes import held_for_its_note, note_for
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
        return profile_facts(self.creator)

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


def profile_facts(creator: Creator) -> dict[str, Any]:
    """The facts of a creator's profile a personal note is written from."""
    c = creator
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


def waiting_drafts(session: Session, campaign: str | None = None) -> list[Draft]:
    """First touches waiting for a note or for approval, oldest first."""
    statement = (
        select(Message, Creator, Enrollment)
        .join(Creator, col(Message.creator_id) == col(Creator.id))
        .join(Enrollment, col(Message.enrollment_id) == col(Enrollment.id), isouter=True)
        .where(or_(Message.state == MessageState.DRAFT.value, held_for_its_note()))
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
    enrollment = draft.enrollment
    mailbox = (
        find_mailbox(app.settings, enrollment.mailbox)
        if enrollment is not None and enrollment.mailbox
        else None
    )
    return compose(
        app.settings, app.templates, draft.creator, draft.message.template, spec, now,
        personal_note=draft.note or NOTE_PLACEHOLDER,
        mailbox_address=mailbox.spec.address if mailbox else None,
    )  # fmt: skip


def skip_draft(session: Session, draft: Draft, now: datetime) -> None:
    """A person decided this creator gets no proposal in this campaign: the sequence ends."""
    draft.message.state = MessageState.SKIPPED.value
    session.add(draft.message)
    if draft.enrollment is not None and draft.enrollment.state == EnrollmentState.ACTIVE.value:
        end_enrollment(session, draft.enrollment, draft.creator, EnrollmentState.STOPPED,
                       "proposal skipped by a person", now)  # fmt: skip


def editable_text(draft: Draft) -> str:
    """The draft's subject and text (without the opt-out footer, which is always added)."""
    _require_awaiting_approval(draft)
    message = draft.message
    body, _ = _split_footer(message)
    return editor_text(message.subject, body, [
        f"Edit the message to @{draft.creator.handle} above the line; the text is sent as you "
        "leave it (plain text; the HTML part is dropped).",
        "The opt-out footer is added below it, as to every message.",
    ])  # fmt: skip


def edit_draft(app: App, session: Session, draft: Draft, edited: str, now: datetime) -> None:
    """Store the person's text as the exact text to send; refuses what would go out wrong."""
    _require_awaiting_approval(draft)
    try:
        written = read_edited(edited, (NOTE_PLACEHOLDER,))
    except EditError as exc:
        raise OutreachError(f"draft {draft.message.id} not changed: {exc}") from None
    message = draft.message
    stored = message_from_string(message.raw, policy=email.policy.default)
    from_header = str(stored["From"])
    to_name, to_address = parseaddr(str(stored["To"]))
    envelope = Envelope(
        from_header=from_header, to_name=to_name or None, to_address=to_address,
        message_id=message.message_id, date=parsedate_to_datetime(str(stored["Date"])),
        unsubscribe_address=app.settings.unsubscribe_mailto or parseaddr(from_header)[1],
        in_reply_to=message.in_reply_to,
        references=tuple((message.references or "").split()),
    )  # fmt: skip
    try:
        built = build_message(RenderedMessage(written.subject, written.body, None), envelope,
                              _split_footer(message)[1])  # fmt: skip
    except HeaderInjection as exc:
        raise OutreachError(f"draft {message.id} not changed: {exc}") from None
    message.subject, message.body_text, message.body_html = written.subject, built.text, None
    message.raw = built.data.decode("ascii").replace("\r\n", "\n")
    session.add(message)
    record_event(session, draft.creator, "edited", f"draft {message.id} edited by hand", now,
                 message_id=message.id)  # fmt: skip


def _require_awaiting_approval(draft: Draft) -> None:
    if draft.kind != AWAITING_APPROVAL:
        raise OutreachError(
            f"draft {draft.message.id} has no text to edit yet ({draft.kind}); write its note "
            f"first: outreach drafts write {draft.creator.handle} --campaign "
            f"{draft.message.campaign} (with require_approval = true, the text waits for you)"
        )


def _split_footer(message: Message) -> tuple[str, str]:
    """The text a person wrote or a template made, and the opt-out footer built after it."""
    text, marker, footer = message.body_text.replace("\r\n", "\n").rpartition("\n--\n")
    if not marker:
        raise OutreachError(f"draft {message.id} has no opt-out footer; plan it again")
    return text, "--\n" + footer
