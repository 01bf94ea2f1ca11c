"""Queue relationship steps when their moment comes: once per occasion, in the campaign thread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Enrollment, Message, MessageState
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.relationship_steps import (
    Timing,
    occasion_key,
    read_occasion_key,
    timing,
)
from outreach.core.timing import next_window_start, recipient_zone
from outreach.errors import OutreachError, SuppressedError
from outreach.services.app import App
from outreach.services.campaign_control import paused_names
from outreach.services.composing import compose, missing_postal_address
from outreach.services.history import record_event
from outreach.services.outbox import store_outgoing, thread_for
from outreach.services.relationship_occasions import (
    BLOCKED_STATES,
    Occasion,
    moot_reason,
    occasions,
)
from outreach.services.sender_choice import thread_mailbox
from outreach.services.sending import ensure_contactable


@dataclass
class RelationshipReport:
    """What one relationship planning pass did."""

    planned: int = 0
    skipped: int = 0  # stale: the moment passed too long ago
    cancelled: int = 0  # moot: content posted, rights renewed or ended
    held: int = 0

    @property
    def total(self) -> int:
        """Every occasion settled in this pass."""
        return self.planned + self.skipped + self.cancelled + self.held


def plan_relationship_steps(
    app: App, specs: Mapping[str, CampaignSpec], now: datetime
) -> RelationshipReport:
    """Queue, skip or cancel every relationship step whose moment has come, each once."""
    report = RelationshipReport()
    with app.session() as session:
        running = sorted(set(specs) - set(paused_names(session)))
        found = [item for name in running for item in _open_occasions(session, specs[name], now)]
    for occasion in found:
        with app.session() as session:
            try:
                _settle(app, session, specs, occasion, now, report)
                session.commit()
            except IntegrityError:
                # Another worker stored this occasion first: the unique key kept it single.
                session.rollback()
    return report


def _open_occasions(session: Session, spec: CampaignSpec, now: datetime) -> list[Occasion]:
    if not spec.relationship_steps:
        return []
    come = [
        occasion
        for step in spec.relationship_steps
        for occasion in occasions(session, spec, step)
        if timing(occasion.moment, now) is not Timing.WAIT
    ]
    if not come:
        return []  # the usual pass: no moment has come, and the outbox need not be read
    taken = select(Message.occasion).where(
        Message.campaign == spec.name, col(Message.occasion).is_not(None)
    )
    done = set(session.exec(taken))
    return [
        occasion
        for occasion in come
        if occasion_key(occasion.enrollment_id, occasion.step, occasion.row_id) not in done
    ]


def _settle(
    app: App,
    session: Session,
    specs: Mapping[str, CampaignSpec],
    occasion: Occasion,
    now: datetime,
    report: RelationshipReport,
) -> None:
    enrollment = session.get(Enrollment, occasion.enrollment_id)
    assert enrollment is not None
    spec = specs[enrollment.campaign]
    creator = session.get(Creator, enrollment.creator_id)
    assert creator is not None and creator.id is not None
    if enrollment.state in BLOCKED_STATES:
        return
    try:
        ensure_contactable(session, creator)
    except SuppressedError:
        return  # never sent; nothing is stored, so nothing needs undoing
    key = occasion_key(occasion.enrollment_id, occasion.step, occasion.row_id)
    step = occasion.step
    reason = moot_reason(session, step.anchor, occasion.row_id, creator, spec.name, now.date())
    if reason is not None:
        _placeholder(session, creator, spec, key, MessageState.CANCELLED, reason, now)
        report.cancelled += 1
        return
    if timing(occasion.moment, now) is Timing.STALE:
        late = f"due {occasion.moment:%Y-%m-%d %H:%M} UTC, too late to send now"
        _placeholder(session, creator, spec, key, MessageState.SKIPPED, late, now)
        report.skipped += 1
        return
    if missing_postal_address(app.settings, creator) is not None:
        return  # not lawful yet; the next pass looks again (run names the setting)
    thread = thread_for(session, creator.id, spec.name)
    try:
        mailbox = thread_mailbox(session, app.settings, spec, enrollment)
        composed = compose(app.settings, app.templates, creator, step.template, spec, now, thread,
                           mailbox_address=mailbox.spec.address if mailbox else None)  # fmt: skip
    except OutreachError as exc:
        _placeholder(session, creator, spec, key, MessageState.HELD, str(exc), now)
        report.held += 1
        return
    zone = recipient_zone(
        creator.timezone, creator.country, spec.window.timezone if spec.window else None
    )
    message = store_outgoing(
        session, creator, composed, campaign=spec.name, state=MessageState.QUEUED, now=now,
        scheduled_at=next_window_start(now, spec.window, zone),
    )  # fmt: skip
    message.occasion, message.priority = key, 0
    message.mailbox = mailbox.spec.name if mailbox else None
    session.add(message)
    session.flush()  # the unique occasion key is checked here, before anything else is done
    report.planned += 1


_EVENT_KINDS = {
    MessageState.CANCELLED: "step_cancelled",
    MessageState.SKIPPED: "step_skipped",
    MessageState.HELD: "held",
}


def _placeholder(
    session: Session,
    creator: Creator,
    spec: CampaignSpec,
    key: str,
    state: MessageState,
    reason: str,
    now: datetime,
) -> None:
    """Store the occasion as settled without sending, and say why in the history."""
    assert creator.id is not None
    parts = read_occasion_key(key)
    assert parts is not None
    message = Message(
        creator_id=creator.id, campaign=spec.name, template=parts.template,
        language=creator.language or spec.language, to_address=creator.email,
        from_address="", subject="", body_text="", raw="",
        message_id=f"<{state.value}-{key.replace(':', '-')}@outreach.invalid>",
        state=state.value, last_error=reason, occasion=key, created_at=now,
    )  # fmt: skip
    session.add(message)
    session.flush()
    summary = f"{parts.template!r} ({parts.anchor}) in {spec.name!r} not sent: {reason}"
    record_event(session, creator, _EVENT_KINDS[state], summary, now, message_id=message.id)


def stop_reason(session: Session, message: Message, now: datetime) -> str | None:
    """Why a queued relationship step must not go any more (checked at the moment of sending)."""
    parts = read_occasion_key(message.occasion or "")
    if parts is None:
        return None
    enrollment = session.get(Enrollment, parts.enrollment_id)
    if enrollment is not None and enrollment.state in BLOCKED_STATES:
        return f"sequence ended ({enrollment.state}: {enrollment.end_reason})"
    creator = session.get(Creator, message.creator_id)
    assert creator is not None
    campaign = message.campaign or ""
    return moot_reason(session, parts.anchor, parts.row_id, creator, campaign, now.date())
