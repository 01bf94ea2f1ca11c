"""The demo: a sample workspace, its creators enrolled, the daemon's first days simulated."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import and_, col, func, or_, select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.capture_transport import CaptureTransport
from outreach.adapters.models import Creator, Enrollment, Message, MessageState
from outreach.bootstrap import bootstrap
from outreach.constants import CAPTURE_DIRNAME, CONTACTS_DIRNAME
from outreach.core.sincerity import NEEDS_PERSONAL_NOTE
from outreach.core.timing import recipient_zone
from outreach.daemon import Daemon
from outreach.services.app import App
from outreach.services.drafts import NEEDS_NOTE, waiting_drafts
from outreach.services.enrollment import EnrollmentPlan, enroll
from outreach.services.importing import ImportReport, import_creators
from outreach.services.workspace import InitReport, init_workspace

DEMO_CAMPAIGN = "spring-serum"
# The sample brand's sender: the sample campaign leaves `sender` to OUTREACH_FROM.
DEMO_SETTINGS = {
    "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
    "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
}
SIMULATION_STEP = timedelta(minutes=5)
SIMULATION_LIMIT = timedelta(days=4)


@dataclass(frozen=True)
class SentLine:
    """One message the simulated daemon sent."""

    handle: str
    language: str
    address: str
    local_time: str
    answer: str


@dataclass
class DemoReport:
    """What the demo did, step by step."""

    init: InitReport
    imported: ImportReport
    enrolled: EnrollmentPlan
    capture_folder: Path
    sent: list[SentLine] = field(default_factory=list)
    waiting_for_notes: list[str] = field(default_factory=list)


def run_demo(target: Path, now: datetime, on_sent: Callable[[SentLine], None]) -> DemoReport:
    """Init, import, enrol, then run the daemon at simulated moments until proposals are out."""
    init = init_workspace(target)
    _write_demo_settings(target)
    capture = target.resolve() / CAPTURE_DIRNAME
    # Embedded defaults only: the demo never reads the user's OUTREACH_* settings, so it
    # can never send to real servers.
    app = bootstrap(target, environ=DEMO_SETTINGS, transport=CaptureTransport(capture))
    with app.session() as session:
        imported = import_creators(session, target / CONTACTS_DIRNAME / "creators.csv", now)
        spec = find_campaign(app.schedules, DEMO_CAMPAIGN)
        enrolled = enroll(session, spec, now, app.settings.cool_off_days)
    report = DemoReport(init, imported, enrolled, capture)
    _simulate(app, now, report, on_sent)
    report.waiting_for_notes = _waiting_for_notes(app)
    return report


def _write_demo_settings(target: Path) -> None:
    """The sample sender in the demo's .env, so `outreach -w demo preview ...` works after it."""
    env_file = target / ".env"
    if env_file.exists():
        return  # the person's own settings are never overwritten
    lines = ["# Written by `outreach demo`: the sample brand's sender. No mail server is set,",
             "# so messages are captured as .eml files in outbox-capture/."]  # fmt: skip
    lines += [f'{key}="{value}"' for key, value in DEMO_SETTINGS.items()]
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _simulate(
    app: App, start: datetime, report: DemoReport, on_sent: Callable[[SentLine], None]
) -> None:
    """Step a clock through polite sending windows, the way a running daemon would."""
    moment = start
    seen: set[int] = set()
    while moment < start + SIMULATION_LIMIT and _proposals_pending(app):
        asyncio.run(Daemon(app=app, clock=_fixed(moment)).run_once())
        for line_id, line in _new_sends(app, seen):
            seen.add(line_id)
            report.sent.append(line)
            on_sent(line)
        moment = _next_run(app, moment)


def _next_run(app: App, moment: datetime) -> datetime:
    """The next simulated run: a step on, or when the next queued proposal may go if later.

    Windows and gaps put proposals off by hours at night and over a weekend; a run every
    step through them would only find nothing to do (and make the README's first command slow).
    """
    with app.session() as session:
        soonest = session.exec(
            select(func.min(Message.scheduled_at)).where(
                Message.campaign == DEMO_CAMPAIGN, Message.state == MessageState.QUEUED.value
            )
        ).one()
    step = moment + SIMULATION_STEP
    return max(step, soonest) if soonest is not None else step


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _proposals_pending(app: App) -> bool:
    """Whether a proposal may still go: not sent, and not waiting for a person's note."""
    with app.session() as session:
        enrolled = session.exec(select(Enrollment.id).where(Enrollment.campaign == DEMO_CAMPAIGN))
        settled = session.exec(
            select(Message.enrollment_id).where(
                Message.campaign == DEMO_CAMPAIGN, Message.step == 1,
                or_(Message.state == MessageState.SENT.value,
                    and_(col(Message.state) == MessageState.HELD.value,
                         Message.last_error == NEEDS_PERSONAL_NOTE)),
            )
        )  # fmt: skip
        return bool(set(enrolled) - set(settled))


def _waiting_for_notes(app: App) -> list[str]:
    """The creators whose proposal waits for the personal note a person writes."""
    with app.session() as session:
        return [draft.creator.handle for draft in waiting_drafts(session, DEMO_CAMPAIGN)
                if draft.kind == NEEDS_NOTE]  # fmt: skip


def _new_sends(app: App, seen: set[int]) -> list[tuple[int, SentLine]]:
    with app.session() as session:
        rows = session.exec(
            select(Message, Creator)
            .join(Creator)
            .where(Message.state == MessageState.SENT.value, col(Message.id).not_in(seen))
            .order_by(col(Message.sent_at), col(Message.id))
        )
        lines = []
        for message, creator in rows:
            assert message.id is not None and message.sent_at is not None
            zone = recipient_zone(creator.timezone, creator.country, "Asia/Tokyo")
            local = message.sent_at.astimezone(zone).strftime("%a %H:%M ") + str(zone)
            answer = message.smtp_response or ""
            lines.append((message.id, SentLine(creator.handle, message.language,
                                               message.to_address, local, answer)))  # fmt: skip
        return lines
