"""Turn enrolments whose next step is due into outbox messages, one transaction each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Creator,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
)
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.legal_profiles import SOURCE_REFUSED, source_refusal
from outreach.core.sincerity import NEEDS_PERSONAL_NOTE
from outreach.core.timing import next_window_start, recipient_zone
from outreach.errors import OutreachError, SuppressedError
from outreach.services.app import App
from outreach.services.campaign_control import paused_names
from outreach.services.composing import compose, missing_postal_address
from outreach.services.history import record_event
from outreach.services.outbox import fill_message, outgoing_values, thread_for
from outreach.services.personal_notes import held_for_its_note, note_for, notes_version
from outreach.services.sender_choice import thread_mailbox
from outreach.services.sending import BLOCKING_STATUSES, earlier_send, ensure_contactable
from outreach.services.sequences import end_enrollment
from outreach.services.sincerity_guard import note_problem
from outreach.services.suppressions import suppressed_among

PLAN_BATCH = 500
LEGAL_RECHECK = timedelta(minutes=10)  # how soon a step waiting for a setting is tried again


@dataclass
class PlanReport:
    """What one planning pass did."""

    planned: int = 0
    held: int = 0
    ended: int = 0
    # Why steps could not lawfully be planned (a missing setting), with the creators affected.
    not_lawful: dict[str, list[str]] = field(default_factory=dict)


def plan_due(app: App, specs: Mapping[str, CampaignSpec], now: datetime) -> PlanReport:
    """Plan every due step of every running campaign, a batch at a time until none is left."""
    report = PlanReport()
    if _any_releasable(app):
        _release_written_notes(app, now)
        _release_allowed_sources(app, specs, now)
    while _plan_batch(app, specs, now, report) == PLAN_BATCH:
        pass
    return report


def _source_refused() -> ColumnElement[bool]:
    """The steps held because the creator's country did not allow the address's source."""
    return and_(col(Message.state) == MessageState.HELD.value,
                col(Message.last_error).startswith(SOURCE_REFUSED))  # fmt: skip


# Built once: the daemon asks at every tick, and nearly always nothing is held for these
# reasons; one indexed probe then replaces reading held steps with their enrolments and
# creators, twice.
_ANY_RELEASABLE = select(Message.id).where(held_for_its_note() | _source_refused()).limit(1)


def _any_releasable(app: App) -> bool:
    """Whether any step is held for a reason that planning may see gone (a note, a source)."""
    with app.session() as session:
        return session.connection().execute(_ANY_RELEASABLE).first() is not None


def _release_written_notes(app: App, now: datetime) -> None:
    """First touches held for their personal note, now written or changed: plan them again."""
    with app.session() as session:
        held = _held_steps(session, held_for_its_note())
        if not held:
            return  # the usual case: nothing waits for a note, and no creator is scanned
        # A guard hold ends when any note changed after it (theirs, or the one it copied).
        latest_change = notes_version(session).latest_change
        for message, enrollment, creator in held:
            written = bool(note_for(creator, enrollment))
            changed = message.last_error == NEEDS_PERSONAL_NOTE or (
                latest_change is not None
                and message.scheduled_at is not None
                and message.scheduled_at < latest_change
            )
            if written and changed:
                _plan_again(session, message, enrollment, now)
        session.commit()


def _release_allowed_sources(app: App, specs: Mapping[str, CampaignSpec], now: datetime) -> None:
    """Steps held because the creator's country did not allow the address's source: plan
    them again once it does (consent recorded, a source imported)."""
    with app.session() as session:
        for message, enrollment, creator in _held_steps(session, _source_refused()):
            spec = specs.get(enrollment.campaign)
            advertising = spec.advertising if spec else True
            if source_refusal(creator.country, creator.email_source, advertising) is None:
                _plan_again(session, message, enrollment, now)
        session.commit()


def _held_steps(
    session: Session, why: ColumnElement[bool]
) -> Sequence[tuple[Message, Enrollment, Creator]]:
    """The held steps of active enrolments that `why` selects, with enrolment and creator."""
    return session.exec(
        select(Message, Enrollment, Creator)
        .join(Enrollment, col(Message.enrollment_id) == col(Enrollment.id))
        .join(Creator, col(Message.creator_id) == col(Creator.id))
        .where(why, Enrollment.state == EnrollmentState.ACTIVE.value)
    ).all()


def _plan_again(session: Session, message: Message, enrollment: Enrollment, now: datetime) -> None:
    """Make a held step due now: the planner fills the held row in (see _plan_step), as
    `outbox resolve --resend` does."""
    enrollment.next_step, enrollment.next_due_at = message.step or 1, now
    session.add(enrollment)


def _plan_batch(
    app: App, specs: Mapping[str, CampaignSpec], now: datetime, report: PlanReport
) -> int:
    with app.session() as session:
        running = sorted(set(specs) - set(paused_names(session)))
        statement = (
            select(Enrollment.id)
            .where(
                Enrollment.state == EnrollmentState.ACTIVE.value,
                col(Enrollment.next_due_at) <= now,
                col(Enrollment.campaign).in_(running),
            )
            .order_by(col(Enrollment.next_due_at), col(Enrollment.id))
            .limit(PLAN_BATCH)
        )
        due = [enrollment_id for enrollment_id in session.exec(statement) if enrollment_id]
    if not due:
        return 0  # every idle tick of the daemon: no batch to read for
    if not _plan_together(app, specs, due, now, report):
        for enrollment_id in due:
            with app.session() as session:
                try:
                    _plan_one(app, session, specs, enrollment_id, now, report)
                    session.commit()
                except IntegrityError:
                    # Another worker planned this step first; the unique key kept it single.
                    session.rollback()
    return len(due)


@dataclass(frozen=True)
class _Known:
    """What a batch reads once instead of once per enrolment (the rare rows that change how a
    step is planned), and the new outbox rows it writes together."""

    held: frozenset[int]  # enrolments with a held step (filled in when planned again)
    sent_by_hand: frozenset[tuple[int, str]]  # (creator, campaign) with a one-off send in it
    suppressed: frozenset[str]  # addresses a suppression blocks (sending checks them again)
    # The batch's new outbox rows, inserted together before the commit (no ORM objects).
    new_rows: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def read(cls, session: Session, due: list[int], creators: Sequence[Creator]) -> _Known:
        creator_ids = [creator.id for creator in creators]
        held = select(Message.enrollment_id).where(
            col(Message.enrollment_id).in_(due), Message.state == MessageState.HELD.value
        )
        by_hand = select(Message.creator_id, Message.campaign).where(
            col(Message.creator_id).in_(creator_ids),
            col(Message.enrollment_id).is_(None),
            col(Message.campaign).is_not(None),
        )
        return cls(
            held=frozenset(e for e in session.exec(held) if e is not None),
            sent_by_hand=frozenset((c, name) for c, name in session.exec(by_hand) if name),
            suppressed=frozenset(suppressed_among(session, (c.email for c in creators))),
        )


def _plan_together(
    app: App, specs: Mapping[str, CampaignSpec], due: list[int], now: datetime,
    report: PlanReport,
) -> bool:  # fmt: skip
    """Plan the whole batch in one transaction; False (nothing changed) when another worker
    planned one of its steps first, so that the caller plans them one by one.

    One transaction and one write of the new rows for a batch, instead of one of each per
    message, is most of what planning costs on SQLite.
    """
    batch = PlanReport()
    with app.session() as session:
        # Read once for the batch; the identity map then answers every get() without SQL.
        enrollments = session.exec(select(Enrollment).where(col(Enrollment.id).in_(due))).all()
        creator_ids = {enrollment.creator_id for enrollment in enrollments}
        # Held in a variable: the identity map keeps objects only while something does.
        creators = session.exec(select(Creator).where(col(Creator.id).in_(creator_ids))).all()
        known = _Known.read(session, due, creators)
        try:
            # New rows wait in the session and are written together at the commit; the reads
            # in between concern each enrolment's own rows, never another's new ones.
            with session.no_autoflush, app.templates.steady():
                for enrollment_id in due:
                    _plan_one(app, session, specs, enrollment_id, now, batch, known)
            if known.new_rows:
                session.execute(insert(Message), known.new_rows)
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    report.planned += batch.planned
    report.held += batch.held
    report.ended += batch.ended
    for reason, handles in batch.not_lawful.items():
        report.not_lawful.setdefault(reason, []).extend(handles)
    return True


def _plan_one(
    app: App,
    session: Session,
    specs: Mapping[str, CampaignSpec],
    enrollment_id: int,
    now: datetime,
    report: PlanReport,
    known: _Known | None = None,
) -> None:
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.state != EnrollmentState.ACTIVE.value:
        return
    if enrollment.next_due_at is None or enrollment.next_due_at > now:
        return  # planned meanwhile by another worker
    spec = specs[enrollment.campaign]
    creator = session.get(Creator, enrollment.creator_id)
    assert creator is not None
    try:
        if (
            known is None
            or creator.email in known.suppressed
            or (creator.status in BLOCKING_STATUSES)
        ):
            ensure_contactable(session, creator)
    except SuppressedError as exc:
        end_enrollment(session, enrollment, creator, EnrollmentState.STOPPED, str(exc), now)
        report.ended += 1
        return
    if enrollment.next_step > len(spec.steps):
        end_enrollment(
            session, enrollment, creator, EnrollmentState.COMPLETED, "sequence finished", now
        )
        return
    missing = missing_postal_address(app.settings, creator)
    if missing is not None:
        # Not planned, not changed: the step waits until the setting is there.
        enrollment.next_due_at = now + LEGAL_RECHECK
        session.add(enrollment)
        report.not_lawful.setdefault(missing, []).append(creator.handle)
        return
    _plan_step(app, session, spec, enrollment, creator, now, report, known)


def _plan_step(
    app: App,
    session: Session,
    spec: CampaignSpec,
    enrollment: Enrollment,
    creator: Creator,
    now: datetime,
    report: PlanReport,
    known: _Known | None = None,
) -> None:
    step_number = enrollment.next_step
    template = spec.steps[step_number - 1].template
    enrollment.next_step = step_number + 1
    enrollment.next_due_at = None  # set again when this step has been sent
    enrollment.updated_at = now
    session.add(enrollment)
    adopted = (
        earlier_send(session, creator, template, spec.name)
        if known is None or (creator.id, spec.name) in known.sent_by_hand
        else None
    )
    if adopted is not None and adopted.enrollment_id is None:
        # Sent by hand with `outreach send --campaign`: that message is this step.
        adopted.enrollment_id, adopted.step = enrollment.id, step_number
        session.add(adopted)
        if adopted.sent_at is not None and step_number < len(spec.steps):
            enrollment.next_due_at = adopted.sent_at + spec.steps[step_number].delay
        return
    assert creator.id is not None
    # Step 1 opens the thread; every later step answers it.
    thread = thread_for(session, creator.id, spec.name) if step_number > 1 else None
    held = (
        _held_row(session, enrollment, step_number)
        if known is None or enrollment.id in known.held
        else None
    )
    refusal = source_refusal(creator.country, creator.email_source, spec.advertising)
    if refusal is not None:
        # Enrolment checked it; an import or an erasure may have changed the source since.
        _hold(session, enrollment, creator, spec, step_number, template, refusal, now, held)
        report.held += 1
        return
    note = note_for(creator, enrollment)
    if step_number == 1 and spec.personal == "required" and not note:
        # Not an error: the first touch waits for words a person writes for this creator.
        _hold(session, enrollment, creator, spec, step_number, template, NEEDS_PERSONAL_NOTE,
              now, held)  # fmt: skip
        report.held += 1
        return
    problem = note_problem(session, creator, spec.product, note) if step_number == 1 else None
    if problem is not None:
        _hold(session, enrollment, creator, spec, step_number, template, problem, now, held)
        report.held += 1
        return
    try:
        mailbox = thread_mailbox(session, app.settings, spec, enrollment)
        composed = compose(app.settings, app.templates, creator, template, spec, now, thread,
                           personal_note=note,
                           mailbox_address=mailbox.spec.address if mailbox else None)  # fmt: skip
    except OutreachError as exc:
        _hold(session, enrollment, creator, spec, step_number, template, str(exc), now, held)
        report.held += 1
        return
    zone = recipient_zone(
        creator.timezone, creator.country, spec.window.timezone if spec.window else None
    )
    first_approval = spec.require_approval and step_number == 1
    state = MessageState.DRAFT if first_approval else MessageState.QUEUED
    scheduled_at = next_window_start(now, spec.window, zone)
    mailbox_name = mailbox.spec.name if mailbox else None
    next_delay = (
        int(spec.steps[step_number].delay.total_seconds())
        if step_number < len(spec.steps)
        else None
    )
    report.planned += 1
    if held is not None:
        # A person fixed the data and asked for this step again: the held row is filled in.
        fill_message(held, composed)
        held.state, held.scheduled_at, held.last_error = state.value, scheduled_at, None
        held.mailbox, held.next_step_delay_seconds = mailbox_name, next_delay
        session.add(held)
        return
    values = outgoing_values(
        creator, composed, campaign=spec.name, state=state, now=now,
        enrollment_id=enrollment.id, step=step_number, scheduled_at=scheduled_at,
    ) | {"mailbox": mailbox_name, "next_step_delay_seconds": next_delay}  # fmt: skip
    if known is not None:
        known.new_rows.append(values)  # inserted with the rest of the batch
    else:
        session.add(Message(**values))


def _held_row(session: Session, enrollment: Enrollment, step_number: int) -> Message | None:
    statement = select(Message).where(
        Message.enrollment_id == enrollment.id,
        Message.step == step_number,
        Message.state == MessageState.HELD.value,
    )
    return session.exec(statement).first()


def _hold(
    session: Session,
    enrollment: Enrollment,
    creator: Creator,
    spec: CampaignSpec,
    step_number: int,
    template: str,
    reason: str,
    now: datetime,
    held: Message | None,
) -> None:
    """Keep the step as a held placeholder: a person fixes the data, then resolves it."""
    assert creator.id is not None
    if held is not None:
        held.last_error, held.scheduled_at = reason, now  # held since: see _release_written_notes
        session.add(held)
        record_event(session, creator, "held", f"step {step_number} still held: {reason}", now,
                     message_id=held.id)  # fmt: skip
        return
    message = Message(
        creator_id=creator.id,
        enrollment_id=enrollment.id,
        campaign=spec.name,
        step=step_number,
        template=template,
        language=creator.language or spec.language,
        to_address=creator.email,
        from_address="",
        subject="",
        body_text="",
        raw="",
        message_id=f"<held-{enrollment.id}-{step_number}@outreach.invalid>",
        state=MessageState.HELD.value,
        last_error=reason,
        scheduled_at=now,  # held since
        created_at=now,
    )
    session.add(message)
    session.flush()
    record_event(session, creator, "held", f"step {step_number} held: {reason}", now,
                 message_id=message.id)  # fmt: skip
