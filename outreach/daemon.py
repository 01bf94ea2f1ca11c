"""The worker: APScheduler is only its timer; what is due lives in the database."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from outreach.adapters.campaign_files import check_step_templates, load_all_campaigns
from outreach.constants import (
    DEAD_WORKER_SECONDS,
    HEARTBEAT_SECONDS,
    INBOX_REREAD_SECONDS,
    LEASE_SECONDS,
    PLAN_INTERVAL_SECONDS,
    RETRY_BASE_SECONDS,
    RETRY_DEADLINE_SECONDS,
    RETRY_FACTOR,
    RETRY_MAX_SECONDS,
    SEND_INTERVAL_SECONDS,
    SYNC_INTERVAL_SECONDS,
)
from outreach.core.campaign_spec import CampaignSpec
from outreach.errors import OutreachError
from outreach.services.app import App
from outreach.services.brand_notices import send_daily_digest, warn_expiring_rights
from outreach.services.campaign_control import orphan_campaigns
from outreach.services.dispatch import Dispatcher
from outreach.services.inbox_health import last_read_at, read_inbox, record_read
from outreach.services.inboxes import (
    InboxPlace,
    configured_inboxes,
    default_inbox,
    each_inbox_once,
)
from outreach.services.mailboxes import DEFAULT_MAILBOX
from outreach.services.opt_out_notices import queue_opt_out_notices
from outreach.services.outbox import Backoff
from outreach.services.planning import plan_due
from outreach.services.relationship_steps import plan_relationship_steps
from outreach.services.send_counters import claim_until
from outreach.services.workers import heartbeat, reap_dead_workers, register_worker, stop_worker

log = logging.getLogger("outreach.daemon")

DEFAULT_BACKOFF = Backoff(
    RETRY_BASE_SECONDS, RETRY_FACTOR, RETRY_MAX_SECONDS, RETRY_DEADLINE_SECONDS
)


@dataclass
class RunReport:
    """What a run did."""

    planned: int = 0
    sent_or_handled: int = 0  # messages claimed and dealt with, whatever the outcome
    sent: int = 0
    failed: int = 0
    retried: int = 0
    unknown: int = 0
    deferred: int = 0  # put back for the window, a cap or the gap
    cancelled: int = 0
    reaped: int = 0
    held: int = 0
    waiting_for_inbox: int = 0  # put off until the inbox has been read
    sender_faults: int = 0  # sends a mailbox could not make at all (login, connection)
    put_off: dict[str, datetime] = field(default_factory=dict)  # why, and the next moment
    inbox_error: str | None = None  # the last inbox read of this run failed, and why
    # Steps not planned because the law wants a setting that is missing, and for whom.
    not_lawful: dict[str, set[str]] = field(default_factory=dict)

    def add(self, tally: Counter[str], put_off: dict[str, datetime] | None = None) -> None:
        """Fold a dispatcher's outcome counts (and why it put messages off) into the report."""
        for why, when in (put_off or {}).items():
            self.put_off[why] = min(self.put_off.get(why, when), when)
        self.sent += tally["sent"]
        self.failed += tally["failed"]
        self.retried += tally["retried"]
        self.unknown += tally["unknown"]
        self.deferred += tally["deferred"]
        self.cancelled += tally["cancelled"]
        self.held += tally["held"]
        self.waiting_for_inbox += tally["waiting_for_inbox"]
        self.sender_faults += tally["mailbox_failing"]


@dataclass
class Daemon:
    """One worker process: plans, sends, keeps its heartbeat, notices dead workers."""

    app: App
    clock: Callable[[], datetime]
    backoff: Backoff = DEFAULT_BACKOFF
    dead_after_seconds: float = DEAD_WORKER_SECONDS
    specs: dict[str, CampaignSpec] = field(default_factory=dict)
    report: RunReport = field(default_factory=RunReport)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _sending: asyncio.Lock = field(default_factory=asyncio.Lock)
    _warned: set[str] = field(default_factory=set)
    _inbox_errors: dict[str, str | None] = field(default_factory=dict)  # by inbox name

    def stop(self) -> None:
        """Ask the worker to finish the message in flight and exit."""
        self._stopping.set()

    async def run_once(self) -> RunReport:
        """Run every job until nothing is due, then exit (what cron and the tests use)."""
        worker_id = self._start()
        dispatcher = self._dispatcher(worker_id)
        try:
            await self._sync_inbox()
            await self._notices()
            reload_specs = False  # _start has just read the campaign files
            while not self._stopping.is_set():
                self._housekeeping(worker_id)
                planned = self._plan(reload_specs)
                reload_specs = True
                handled = await self._drain(dispatcher)
                if not planned and not handled:
                    break
        finally:
            await self.app.close_transports()
            self._finish(worker_id)
            self.report.add(dispatcher.tally, dispatcher.put_off)
        return self.report

    async def run_forever(self) -> RunReport:
        """Run until SIGTERM or SIGINT; the in-flight message is finished first."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        worker_id = self._start()
        dispatcher = self._dispatcher(worker_id)
        if not self._inbox_places():  # said once, in the long-running worker's log
            log.warning("no inbox is set (OUTREACH_IMAP_HOST or mailboxes.toml): replies, "
                        "bounces and opt-outs are not read; record them with "
                        "`outreach replies record`")  # fmt: skip
        # Answers that came while no worker ran are read before anything is sent.
        await self._sync_inbox()
        scheduler = AsyncIOScheduler(timezone="UTC")

        async def housekeeping_job() -> None:
            self._housekeeping(worker_id)

        async def plan_job() -> None:
            self._plan()

        async def send_job() -> None:
            await self._drain(dispatcher)

        # Coroutine jobs run on this event loop, one after another: no threads touch the
        # database behind the sender's back.
        jobs: list[tuple[Callable[[], Awaitable[None]], float]] = [
            (housekeeping_job, HEARTBEAT_SECONDS),
            (plan_job, PLAN_INTERVAL_SECONDS),
            (send_job, SEND_INTERVAL_SECONDS),
            (self._sync_inbox, SYNC_INTERVAL_SECONDS),
            (self._notices, SYNC_INTERVAL_SECONDS),
        ]
        for job, seconds in jobs:
            # One instance at a time, no pile-up after a slow run, and a first run now.
            scheduler.add_job(job, "interval", seconds=seconds, max_instances=1,
                              coalesce=True, next_run_time=datetime.now().astimezone())  # fmt: skip
        scheduler.start()
        try:
            await self._stopping.wait()
        finally:
            # The message in flight is finished and recorded first: APScheduler cancels
            # running coroutine jobs on shutdown, whatever `wait` says.
            async with self._sending:
                scheduler.shutdown(wait=False)
                await self.app.close_transports()
                self._finish(worker_id)
            self.report.add(dispatcher.tally, dispatcher.put_off)
        return self.report

    def _start(self) -> str:
        with self.app.session() as session:
            worker_id = register_worker(session, self.clock())
        log.info("worker %s started", worker_id)
        self._load_specs()
        return worker_id

    def _finish(self, worker_id: str) -> None:
        with self.app.session() as session:
            stop_worker(session, worker_id, self.clock())
        log.info("worker %s stopped", worker_id)

    def _dispatcher(self, worker_id: str) -> Dispatcher:
        return Dispatcher(
            app=self.app, worker_id=worker_id, specs=self.specs, backoff=self.backoff,
            lease_seconds=LEASE_SECONDS, clock=self.clock, rng=random.Random(),
            inboxes={place.sender: place.name for place in self._inbox_places()},
            inbox_fresh=timedelta(minutes=self.app.settings.inbox_fresh_minutes),
        )  # fmt: skip

    def _load_specs(self) -> None:
        try:
            fresh = load_all_campaigns(self.app.schedules)
        except OutreachError as exc:
            # A campaign file being edited must not stop the sends already planned.
            log.error("campaign files not reloaded: %s", exc)
            return
        self.specs.clear()
        self.specs.update(fresh)
        with self.app.session() as session:
            problems = [
                f"campaign {name!r} has active enrolments but no file in schedules/"
                for name in orphan_campaigns(session, set(fresh))
            ]
        for spec in fresh.values():
            try:
                check_step_templates(spec, self.app.templates)
            except OutreachError as exc:
                problems.append(str(exc))
        for problem in problems:
            if problem not in self._warned:  # once per run, not every 30 seconds
                self._warned.add(problem)
                log.warning("%s", problem)

    def _housekeeping(self, worker_id: str) -> None:
        now = self.clock()
        with self.app.session() as session:
            heartbeat(session, worker_id, now)
            reaped = reap_dead_workers(session, now, self.dead_after_seconds)
        if reaped:
            log.warning("%d message(s) of dead workers are now 'unknown'", reaped)
        self.report.reaped += reaped

    def _plan(self, reload_specs: bool = True) -> int:
        if reload_specs:  # a campaign file edited since the last plan counts from this one
            self._load_specs()
        result = plan_due(self.app, self.specs, self.clock())
        self.report.planned += result.planned
        self.report.held += result.held
        for reason, handles in result.not_lawful.items():
            self.report.not_lawful.setdefault(reason, set()).update(handles)
            log.error("not planned for %d creator(s): %s", len(handles), reason)
        if result.planned or result.held:
            log.info("planned %d message(s), held %d", result.planned, result.held)
        extra = plan_relationship_steps(self.app, self.specs, self.clock())
        self.report.planned += extra.planned
        self.report.held += extra.held
        if extra.total:
            log.info("relationship steps: %d planned, %d skipped (stale), %d cancelled, %d held",
                     extra.planned, extra.skipped, extra.cancelled, extra.held)  # fmt: skip
        notices = queue_opt_out_notices(self.app, self.clock())
        self.report.planned += notices
        if notices:
            log.info("queued %d opt-out notice(s) to creators in Korea", notices)
        return result.planned + result.held + result.ended + extra.total + notices

    async def _drain(self, dispatcher: Dispatcher) -> int:
        await self._read_inbox_if_stale()
        handled = 0
        while not self._stopping.is_set():
            async with self._sending:
                if not await dispatcher.send_next():
                    break
            handled += 1
        self.report.sent_or_handled += handled
        return handled

    async def _notices(self) -> None:
        """Mail the brand about expiring usage rights (and the daily digest, when it is time)."""
        for notice in (warn_expiring_rights, send_daily_digest):
            try:
                await notice(self.app, self.clock())
            except OutreachError as exc:  # delivery errors included
                # Nothing is marked as done: the next run tries again.
                log.error("notice to the brand not sent: %s", exc)

    async def _read_inbox_if_stale(self) -> None:
        """Read the inboxes before sending when one's last good read is not recent."""
        places = self._inbox_places()
        if not places:
            return
        with self.app.session() as session:
            reads = [last_read_at(session, place.name) for place in places]
        now = self.clock()
        if any(last is None or now - last >= timedelta(seconds=INBOX_REREAD_SECONDS)
               for last in reads):  # fmt: skip
            await self._sync_inbox(places)

    def _inbox_places(self) -> list[InboxPlace]:
        try:
            return configured_inboxes(self.app.settings)
        except OutreachError as exc:  # mailboxes.toml being edited: the default's still read
            log.error("mailboxes.toml: %s", exc)
            return default_inbox(self.app.settings)

    async def _sync_inbox(self, configured: list[InboxPlace] | None = None) -> None:
        """Read every mailbox's inbox; each under its own short lease, one worker at a time."""
        places = each_inbox_once(self._inbox_places() if configured is None else configured)
        for place in places:
            await self._read_one_inbox(place)
        # Campaign messages from a mailbox whose inbox failed wait (core.inbox_freshness)
        # until a read succeeds; the other mailboxes go on.
        errors = [self._inbox_errors.get(place.name) for place in places]
        self.report.inbox_error = "; ".join(e for e in errors if e) or None

    async def _read_one_inbox(self, place: InboxPlace) -> None:
        """Read one inbox and note how it went; one another worker is reading is left as is."""
        now = self.clock()
        try:
            inbox = place.open()
        except OutreachError as exc:
            record_read(self.app, place.name, now, error=str(exc))
            log.error("inbox %s not read: %s", place.name, exc)
            self._note_inbox_error(place, str(exc))
            return
        with self.app.session() as session:
            holder_until = claim_until(session, f"sync:{inbox.mailbox}", now,
                                       timedelta(seconds=SYNC_INTERVAL_SECONDS))  # fmt: skip
            session.commit()
        if holder_until is not None:
            return  # read by another worker: what we knew of it still stands
        try:
            report = await asyncio.to_thread(read_inbox, self.app, inbox, now)
        except OutreachError as exc:
            # Nothing is lost: the checkpoint only moves past messages that were recorded.
            log.error("inbox %s sync failed: %s", place.name, exc)
            self._note_inbox_error(place, str(exc))
            return
        self._note_inbox_error(place, None)
        if report.counts:
            log.info("inbox %s: %s", place.name, report.counts)
        if report.moved:
            log.info("inbox %s: %d handled message(s) moved to %s", place.name, report.moved,
                     self.app.settings.imap_processed_folder)  # fmt: skip
        if report.move_error:
            log.error("inbox %s: handled mail not moved (tried again next time): %s",
                      place.name, report.move_error)  # fmt: skip

    def _note_inbox_error(self, place: InboxPlace, error: str | None) -> None:
        """Remember the inbox's last outcome in this run (an error names its mailbox)."""
        if error is not None and place.sender != DEFAULT_MAILBOX:
            error = f"mailbox {place.sender!r}: {error}"
        self._inbox_errors[place.name] = error
