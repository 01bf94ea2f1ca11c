"""Claim due outbox messages with a lease, re-check them, send, record: one message at a time."""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, or_, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from outreach.adapters.database import RELAXED_COMMIT, cancelled_for_another
from outreach.adapters.models import (
    CampaignState,
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
    UTCDateTime,
    table_of,
)
from outreach.adapters.transport import Transport
from outreach.constants import DEFAULT_INBOX_FRESH_MINUTES, INBOX_RECHECK_SECONDS
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.inbox_freshness import WAITING_FOR_INBOX, inbox_wait_reason
from outreach.core.legal_profiles import quiet_hours_for
from outreach.core.opt_out_notices import is_notice
from outreach.core.return_paths import envelope_sender
from outreach.core.timing import (
    in_window,
    next_window_start,
    recipient_zone,
    send_gap,
    utc_day,
)
from outreach.errors import (
    DeliveryError,
    OutreachError,
    PermanentDeliveryError,
    SuppressedError,
    TemporaryDeliveryError,
)
from outreach.services.app import App
from outreach.services.country_rules import sending_problem
from outreach.services.delivery_record import Delivered, record_delivered
from outreach.services.history import record_event
from outreach.services.inbox_health import last_read_at
from outreach.services.mailboxes import DEFAULT_MAILBOX
from outreach.services.outbox import (
    Backoff,
    record_failure,
    stored_next_delay,
    wire_bytes,
)
from outreach.services.personal_notes import note_for
from outreach.services.relationship_steps import stop_reason as relationship_stop_reason
from outreach.services.send_counters import claim_until, give_back_slot, take_slot
from outreach.services.sender_health import (
    failing_reason,
    record_sender_fault,
    record_sender_success,
    record_temporary_refusal,
    sender_hold,
)
from outreach.services.sending import ensure_contactable
from outreach.services.sequences import end_enrollment
from outreach.services.sincerity_guard import note_problem

log = logging.getLogger("outreach.dispatch")
# How often the record of a send is tried when the database cancels it for another
# transaction's sake (each time the other one has gone on: a third clash is not a deadlock).
RECORD_ATTEMPTS = 3


@dataclass
class Dispatcher:
    """Everything one worker needs to send from the outbox."""

    app: App
    worker_id: str
    specs: Mapping[str, CampaignSpec]
    backoff: Backoff
    lease_seconds: int
    clock: Callable[[], datetime]
    rng: random.Random
    # The inbox whose answers each mailbox's campaign messages wait for, by mailbox name (a
    # mailbox without one, e.g. the default with no OUTREACH_IMAP_HOST, waits for nothing).
    inboxes: Mapping[str, str] = field(default_factory=dict)
    inbox_fresh: timedelta = timedelta(minutes=DEFAULT_INBOX_FRESH_MINUTES)
    tally: Counter[str] = field(default_factory=Counter)
    # Why messages were put off, each with the earliest moment one of them may go.
    put_off: dict[str, datetime] = field(default_factory=dict)

    async def send_next(self) -> bool:
        """Claim and handle one due message; False when nothing is due now."""
        now = self.clock()
        with self.app.session() as session:
            message_id = claim_next(session, self.worker_id, now, self.lease_seconds)
            if message_id is None:
                session.commit()
                return False
            ready = self._prepare(session, message_id, now)
            if ready is None:
                return True
        message, creator = ready
        await self._deliver(message, creator)
        return True

    def _prepare(
        self, session: Session, message_id: int, now: datetime
    ) -> tuple[Message, Creator] | None:
        """Re-check at the moment of sending and pass the caps, gaps and window, or put back."""
        # One query; the enrolment is then in the session, so the checks' gets cost nothing.
        message, creator, _enrollment = session.exec(_CLAIMED, params={"b_id": message_id}).one()
        stop_reason = _stop_reason(session, message, creator, now)
        if stop_reason:
            _cancel(session, message, creator, stop_reason, now)
            session.commit()
            self.tally["cancelled"] += 1
            return None
        if message.campaign is None:
            session.commit()  # a one-off message a person chose to resend: no campaign limits
            return message, creator
        spec = self.specs.get(message.campaign)
        if spec is None:
            reason = f"campaign file for {message.campaign!r} not found"
            self._hold(session, message, creator, reason, now, held_since=None)
            return None
        # The guard and the country's rules again at the moment of sending: a note, a profile
        # or a setting may have changed since planning.
        problem = self._note_problem(session, message, creator, spec) or sending_problem(
            self.app.settings, creator, message, spec.advertising
        )
        if problem is not None:
            # Held since now: a guard hold ends when a note changes after it.
            self._hold(session, message, creator, problem, now, held_since=now)
            return None
        hold = sender_hold(session, message.mailbox or DEFAULT_MAILBOX, now)
        if hold is not None:
            until, why = hold
            session.rollback()  # undo the claim: the mailbox, not the message, is the matter
            _reschedule(session, message_id, until, reason=f"waiting for {why}")
            self.tally["deferred"] += 1
            self.put_off[why] = min(self.put_off.get(why, until), until)
            return None
        waiting = self._inbox_wait(session, message, now)
        if waiting is not None:
            session.rollback()  # undo the claim
            _reschedule(session, message_id, now + timedelta(seconds=INBOX_RECHECK_SECONDS),
                        reason=waiting)  # fmt: skip
            self.tally["waiting_for_inbox"] += 1
            return None
        gated = self._gate(session, message, creator, spec, now)
        if gated is not None:
            later, why = gated
            session.rollback()  # undo the claim and any counter taken before the refusal
            _reschedule(session, message_id, later)
            self.tally["deferred"] += 1
            self.put_off[why] = min(self.put_off.get(why, later), later)
            return None
        session.commit()
        return message, creator

    def _hold(
        self, session: Session, message: Message, creator: Creator, reason: str,
        now: datetime, held_since: datetime | None,
    ) -> None:  # fmt: skip
        """Keep the claimed message back for a person, with the reason, in the history too."""
        message.state, message.last_error = MessageState.HELD.value, reason
        if held_since is not None:
            message.scheduled_at = held_since
        message.lease_owner = message.lease_expires_at = None
        session.add(message)
        record_event(session, creator, "held", f"{message.template!r} held: {reason}", now,
                     message_id=message.id)  # fmt: skip
        session.commit()
        self.tally["held"] += 1

    def _note_problem(
        self, session: Session, message: Message, creator: Creator, spec: CampaignSpec
    ) -> str | None:
        """The sincerity guard on a first touch's note, as it stands now."""
        if not _first_touch(message):
            return None
        enrollment = (
            session.get(Enrollment, message.enrollment_id) if message.enrollment_id else None
        )
        return note_problem(session, creator, spec.product, note_for(creator, enrollment))

    def _inbox_wait(self, session: Session, message: Message, now: datetime) -> str | None:
        """Why this campaign message must wait until the inbox has been read (None: it may go)."""
        inbox = self.inboxes.get(message.mailbox or DEFAULT_MAILBOX)
        if inbox is None:
            return None
        reason = inbox_wait_reason(
            last_read_at(session, inbox), message.scheduled_at, now, self.inbox_fresh
        )
        if reason is None and (message.last_error or "").startswith(WAITING_FOR_INBOX):
            message.last_error = None  # the wait is over; the outbox no longer shows it
            session.add(message)
        return reason

    def _gate(
        self, session: Session, message: Message, creator: Creator, spec: CampaignSpec,
        now: datetime,
    ) -> tuple[datetime, str] | None:  # fmt: skip
        """None when the message may go now; otherwise the earliest moment it may, and why."""
        zone = recipient_zone(
            creator.timezone, creator.country, spec.window.timezone if spec.window else None
        )
        if not in_window(now, spec.window, zone):
            return next_window_start(now, spec.window, zone), "the sending window"
        quiet = quiet_hours_for(creator.country) if spec.advertising else None
        allowed_at = quiet.next_allowed(now) if quiet is not None else None
        if quiet is not None and allowed_at is not None:
            # The law of the creator's country, whatever the campaign's own window says.
            return next_window_start(allowed_at, spec.window, zone), quiet.rule
        limits = spec.limits
        day = utc_day(now).isoformat()
        for scope, cap, what in self._caps(message, spec):
            if not take_slot(session, scope, day, cap):
                tomorrow = datetime.combine(utc_day(now), datetime.min.time(), now.tzinfo)
                later = next_window_start(tomorrow + timedelta(days=1), spec.window, zone)
                return later, f"the daily cap ({what}, {cap})"
        gap = send_gap(limits, self.rng)
        if gap > timedelta(0):
            held_until = claim_until(session, f"gap:{message.from_address}", now, gap)
            if held_until is not None:
                return held_until, "the gap between sends (min_gap_seconds + jitter_seconds)"
        return None

    def _caps(self, message: Message, spec: CampaignSpec) -> list[tuple[str, int, str]]:
        """The daily counters this message counts against: scope, cap, and what to call it."""
        caps = [
            (f"mailbox:{message.from_address}", spec.limits.per_mailbox_per_day, "mailbox"),
            (f"campaign:{spec.name}", spec.limits.per_campaign_per_day, "campaign"),
        ]
        proposals_cap = self._proposals_cap(message)
        if proposals_cap is not None:
            # A mailboxes.toml mailbox's own per_day counts new proposals only.
            caps.append((f"proposals:{message.mailbox}", proposals_cap,
                         f"new proposals from {message.mailbox}"))  # fmt: skip
        return caps

    def _proposals_cap(self, message: Message) -> int | None:
        """A first touch from a mailboxes.toml mailbox counts against its own per_day."""
        if not message.mailbox or not _first_touch(message):
            return None
        try:
            return self.app.senders.mailbox(message.mailbox).spec.per_day or None
        except OutreachError:
            return None  # not configured any more: sending it fails and pauses the mailbox

    async def _deliver(self, message: Message, creator: Creator) -> None:
        try:
            sender = envelope_sender(
                self.app.settings.return_path, message.id, message.message_id,
                message.from_address,
            )  # fmt: skip
            transport = self._transport(message)
            answer = await transport.send(wire_bytes(message), sender, [message.to_address])
        except DeliveryError as error:
            if error.mailbox_fault:
                self._mailbox_failed(message.id, error)
            else:
                self._record(message.id, None, error)
            return
        self._record(message.id, answer, None)

    def _transport(self, message: Message) -> Transport:
        try:
            return self.app.transport_for(message.mailbox)
        except OutreachError as exc:  # e.g. the mailbox left mailboxes.toml
            raise PermanentDeliveryError(str(exc), mailbox_fault=True) from None

    def _mailbox_failed(self, message_id: int | None, error: DeliveryError) -> None:
        """The mailbox could not send at all: it pauses, and the message waits unharmed."""
        now = self.clock()
        with self.app.session() as session:
            message = session.get(Message, message_id)
            assert message is not None
            if message.state != MessageState.SENDING.value or message.lease_owner != self.worker_id:
                return
            mailbox = message.mailbox or DEFAULT_MAILBOX
            retry_at = record_sender_fault(session, mailbox, str(error), now, self.backoff)
            spec = self.specs.get(message.campaign or "")
            if spec is not None:  # nothing left the mailbox: its slots of the day go back
                for scope, _cap, _what in self._caps(message, spec):
                    give_back_slot(session, scope, utc_day(now).isoformat())
            # Not this message's attempt: it goes back as it was, due when the mailbox is.
            message.state, message.scheduled_at = MessageState.QUEUED.value, retry_at
            message.lease_owner = message.lease_expires_at = None
            message.attempts = max(message.attempts - 1, 0)
            if message.attempts == 0:
                message.first_attempt_at = None
            why = failing_reason(mailbox, error)
            message.last_error = f"waiting for {why}"  # as _prepare's hold says it
            session.add(message)
            session.commit()
        self.tally["mailbox_failing"] += 1
        self.put_off[why] = min(self.put_off.get(why, retry_at), retry_at)

    def _record(
        self, message_id: int | None, answer: str | None, error: DeliveryError | None
    ) -> None:
        """Record the outcome; run again when the database cancelled it for another
        transaction's sake (a deadlock with another worker on PostgreSQL): the message has
        left, and its outcome must not stay unrecorded while this worker lives."""
        for attempt in range(1, RECORD_ATTEMPTS + 1):
            try:
                self._record_once(message_id, answer, error)
                return
            except DBAPIError as exc:
                if attempt == RECORD_ATTEMPTS or not cancelled_for_another(exc):
                    raise
                log.info("message %s: recording met another worker's transaction; again",
                         message_id)  # fmt: skip

    def _record_once(
        self, message_id: int | None, answer: str | None, error: DeliveryError | None
    ) -> None:
        """One transaction for the outcome; a message another worker holds is not touched."""
        assert message_id is not None
        with self.app.session() as session:
            session.connection(execution_options={RELAXED_COMMIT: True})
            if error is None:
                assert answer is not None
                sent = record_delivered(session, message_id, self.worker_id, answer,
                                        self.clock(), self._next_delay)  # fmt: skip
                if sent is not None:
                    record_sender_success(session, sent.mailbox or DEFAULT_MAILBOX)
                session.commit()
                if sent is not None:  # counted once it is recorded, not per attempt
                    self.tally["sent"] += 1
                return
            message = session.get(Message, message_id)
            assert message is not None
            creator = session.get(Creator, message.creator_id)
            assert creator is not None
            if message.state != MessageState.SENDING.value or message.lease_owner != self.worker_id:
                return  # another worker holds it, or it is settled ("unknown" stays unknown)
            retried = record_failure(
                session, message, creator, error, self.clock(), self.backoff,
                first_attempt_at=message.first_attempt_at,
            )  # fmt: skip
            outcome = "retried" if retried else message.state
            if isinstance(error, TemporaryDeliveryError):
                record_temporary_refusal(session, message.mailbox or DEFAULT_MAILBOX, message.id,
                                         str(error), self.clock(), self.backoff)  # fmt: skip
            session.commit()
        self.tally[outcome] += 1

    def _next_delay(self, sent: Delivered) -> timedelta | None:
        spec = self.specs.get(sent.campaign or "")
        if spec is None or sent.step is None:
            return stored_next_delay(sent.next_step_delay_seconds)
        if sent.step >= len(spec.steps):
            return None
        return spec.steps[sent.step].delay


_CLAIMED = (
    select(Message, Creator, Enrollment)
    .join(Creator, col(Creator.id) == col(Message.creator_id))
    .outerjoin(Enrollment, col(Enrollment.id) == col(Message.enrollment_id))
    .where(col(Message.id) == bindparam("b_id"))
)


def _claim_statement(dialect: str) -> Any:
    """The claim of the most urgent due message, built once per dialect (see claim_next)."""
    # Core on the tables, built once: this runs for every message, and building a statement
    # costs several times what SQLite takes to run it.
    messages, states = table_of(Message), table_of(CampaignState)
    now = bindparam("now", type_=UTCDateTime())
    # Paused campaigns are read inside the same statement: a pause stops the very next claim.
    paused = select(states.c.name).where(states.c.paused.is_(True))
    candidate = (
        select(messages.c.id)
        .where(
            messages.c.state == MessageState.QUEUED.value,
            messages.c.scheduled_at <= now,
            or_(messages.c.campaign.is_(None), messages.c.campaign.not_in(paused)),
        )
        .order_by(messages.c.priority, messages.c.scheduled_at, messages.c.id)
        .limit(1)
    )
    if dialect == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    return (
        update(messages)
        .where(messages.c.id == candidate.scalar_subquery())
        .values(
            state=MessageState.SENDING.value,
            lease_owner=bindparam("worker"),
            lease_expires_at=bindparam("until", type_=UTCDateTime()),
            attempts=messages.c.attempts + 1,
            first_attempt_at=func.coalesce(messages.c.first_attempt_at, now),
        )
        .returning(messages.c.id)
    )


_CLAIMS = {dialect: _claim_statement(dialect) for dialect in ("sqlite", "postgresql")}


def claim_next(session: Session, worker_id: str, now: datetime, lease_seconds: int) -> int | None:
    """Lease the most urgent due message in one statement; None when nothing is due.

    Follow-ups (priority 0) go before proposals, then the longest waiting. On PostgreSQL the
    inner select skips rows other workers hold (FOR UPDATE SKIP LOCKED); SQLite serialises
    writers (BEGIN IMMEDIATE), which gives the same exclusivity on one host.
    """
    statement = _CLAIMS[session.get_bind().dialect.name]
    until = now + timedelta(seconds=lease_seconds)
    params = {"now": now, "worker": worker_id, "until": until}
    claimed: int | None = session.connection().execute(statement, params).scalar_one_or_none()
    return claimed


def _stop_reason(session: Session, message: Message, creator: Creator, now: datetime) -> str | None:
    """Why this message must not go at all any more (checked at the moment of sending)."""
    if is_notice(message.occasion):
        # The notice confirms an opt-out, so it must pass the suppression it confirms.
        return "address bounced" if creator.status == CreatorStatus.BOUNCED.value else None
    try:
        ensure_contactable(session, creator)
    except SuppressedError as exc:
        return str(exc).removesuffix("; nothing was sent")
    if message.occasion is not None:
        return relationship_stop_reason(session, message, now)
    if message.enrollment_id is not None:
        enrollment = session.get(Enrollment, message.enrollment_id)
        if enrollment is not None and enrollment.state != EnrollmentState.ACTIVE.value:
            return f"sequence ended ({enrollment.state}: {enrollment.end_reason})"
    return None


def _first_touch(message: Message) -> bool:
    """A campaign's first message to a creator (not a follow-up, not a relationship step)."""
    return message.step == 1 and message.occasion is None


def _cancel(
    session: Session, message: Message, creator: Creator, reason: str, now: datetime
) -> None:
    message.state = MessageState.CANCELLED.value
    message.last_error = reason
    message.lease_owner = message.lease_expires_at = None
    session.add(message)
    enrollment = session.get(Enrollment, message.enrollment_id) if message.enrollment_id else None
    if enrollment is not None and enrollment.state == EnrollmentState.ACTIVE.value:
        end_enrollment(session, enrollment, creator, EnrollmentState.STOPPED, reason, now)
    record_event(session, creator, "cancelled", f"{message.template!r} not sent: {reason}", now,
                 message_id=message.id)  # fmt: skip


def _reschedule(
    session: Session, message_id: int, when: datetime, reason: str | None = None
) -> None:
    # The rollback before this already undid the claim; only a still-queued row moves, so a
    # worker that claimed it in between keeps it.
    values: dict[str, Any] = {"scheduled_at": when}
    if reason is not None:
        values["last_error"] = reason
    else:  # put off for another reason: it no longer waits for the inbox
        waited = col(Message.last_error).startswith(WAITING_FOR_INBOX)
        values["last_error"] = case((waited, None), else_=col(Message.last_error))
    statement = (
        update(Message)
        .where(col(Message.id) == message_id, col(Message.state) == MessageState.QUEUED.value)
        .values(**values)
    )
    session.exec(statement)
    session.commit()
