"""Shared set-up for the campaign integration tests: a workspace, creators, a daemon run."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from outreach.adapters.campaign_files import load_campaign_file
from outreach.adapters.models import Creator, Enrollment, Event, Message
from outreach.bootstrap import bootstrap
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.retry import RetryPolicy
from outreach.daemon import Daemon, RunReport
from outreach.services.app import App
from outreach.services.enrollment import EnrollmentPlan, enroll
from outreach.services.outbox import Backoff
from tests.conftest import smtp_environment
from tests.smtp_server import SmtpTestServer

SENDER = "Luna at Glowlab <luna@glowlab.example>"
MAILBOX = "luna@glowlab.example"
MONDAY = datetime(2026, 10, 19, 0, 0, tzinfo=UTC)  # a Monday, a week before Paris's DST change
COOL_OFF_DAYS = 90
NO_LIMITS = {
    "per_mailbox_per_day": 1000,
    "per_campaign_per_day": 1000,
    "min_gap_seconds": 0,
    "jitter_seconds": 0,
}
TWO_STEPS = (("pitch", "0d"), ("nudge", "4d"))

# Small templates of our own, so a test controls exactly which creator fields are used.
TEMPLATES = {
    "pitch": (
        "Subject: {{ product }} for {{ addressee }}\n\n"
        "Hi {{ addressee }},\n\nWould you like to try {{ product }}?\n\n"
        "{{ sender_name }}\n{{ sender_company }}\n"
    ),
    "nudge": (
        "Hi {{ addressee }},\n\nJust checking you saw my note about {{ product }}.\n\n"
        "{{ sender_name }}\n{{ sender_company }}\n"
    ),
    # For creators in Korea: an advertising subject starts with (광고) (Network Act art. 50(4)).
    "pitch_ad": (
        "Subject: (광고) {{ product }} for {{ addressee }}\n\n"
        "Hi {{ addressee }},\n\nWould you like to try {{ product }}?\n\n"
        "{{ sender_name }}\n{{ sender_company }}\n"
    ),
    "pitch_post": (
        "Subject: About your post, {{ addressee }}\n\n"
        "Hi {{ addressee }},\n\nI loved your post about {{ recent_post }}.\n\n"
        "{{ sender_name }}\n{{ sender_company }}\n"
    ),
}


def prepare_workspace(workspace: Path) -> None:
    """Replace the sample campaign with nothing and add the test templates (in English)."""
    for path in (workspace / "schedules").glob("*.toml"):
        path.unlink()
    folder = workspace / "templates" / "messages" / "en"
    for name, text in TEMPLATES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")


def write_campaign(
    workspace: Path,
    name: str,
    *,
    steps: Iterable[tuple[str, str]] = TWO_STEPS,
    limits: dict[str, int] | None = None,
    window: dict[str, Any] | None = None,
    selection: dict[str, Any] | None = None,
    require_approval: bool = False,
    sender: str = SENDER,
    personal: str = "optional",
    senders: list[str] | None = None,
    advertising: bool = True,
) -> CampaignSpec:
    """Write schedules/NAME.toml and return it as loaded (so the file itself is validated)."""
    lines = [
        f'name = "{name}"',
        'product = "Rice Bran Serum"',
        'description = "A gentle serum"',
        'language = "en"',
        f"senders = {_toml(senders)}" if senders else f'sender = "{sender}"',
        f"require_approval = {'true' if require_approval else 'false'}",
        # The send path's tests: creators without personal notes (their tests set "required").
        f'personal = "{personal}"',
        f"advertising = {_toml(advertising)}",
    ]
    for section, values in (
        ("selection", selection),
        ("window", window),
        ("limits", {**NO_LIMITS, **(limits or {})}),
    ):
        if values:
            lines.append(f"[{section}]")
            lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
    for template, delay in steps:
        lines += ["[[steps]]", f'template = "{template}"', f'delay = "{delay}"']
    path = workspace / "schedules" / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_campaign_file(path)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return str(value)


def make_app(workspace: Path, database_url: str, server: SmtpTestServer | None = None) -> App:
    """The workspace on the database, sending to the test server (or capturing to files)."""
    prepare_workspace(workspace)
    environ = {
        "OUTREACH_DATABASE_URL": database_url,
        "OUTREACH_FROM": SENDER,
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
    }
    if server is not None:
        environ.update(smtp_environment(server, OUTREACH_SMTP_TIMEOUT_SECONDS="5"))
    return bootstrap(workspace, environ=environ, retry=RetryPolicy(1, 0, 1))


def add_creator(app: App, handle: str, **fields: Any) -> Creator:
    """Insert one creator who fits any selection unless fields say otherwise."""
    values: dict[str, Any] = {
        "platform": "instagram",
        "handle": handle,
        "email": f"{handle}@mail.example",
        "name": f"{handle.capitalize()} Tester",
        "followers": 20_000,
        "engagement_rate": 4.0,
        "niches": ["skincare"],
        "language": "en",
        "country": "US",
        "timezone": "America/Los_Angeles",
        "created_at": MONDAY - timedelta(days=30),
        "updated_at": MONDAY - timedelta(days=30),
    }
    values.update(fields)
    creator = Creator(**values)
    with app.session() as session:
        session.add(creator)
        session.commit()
        session.refresh(creator)
    return creator


def enroll_in(app: App, spec: CampaignSpec, now: datetime) -> EnrollmentPlan:
    """Enrol whoever fits the campaign at that moment."""
    with app.session() as session:
        return enroll(session, spec, now, COOL_OFF_DAYS)


def run_once(app: App, now: datetime, backoff: Backoff | None = None) -> RunReport:
    """One `outreach run --once --now NOW` in-process: a fresh daemon with a fixed clock."""
    daemon = Daemon(app=app, clock=lambda: now)
    if backoff is not None:
        daemon.backoff = backoff
    return asyncio.run(daemon.run_once())


def messages(app: App, **where: Any) -> list[Message]:
    """Outbox rows (optionally filtered by column values), oldest first."""
    statement = select(Message).order_by(col(Message.id))
    for key, value in where.items():
        statement = statement.where(getattr(Message, key) == value)
    with app.session() as session:
        return list(session.exec(statement))


def enrollment_of(app: App, creator: Creator | int, campaign: str) -> Enrollment:
    """The creator's (or creator id's) enrolment in the campaign."""
    creator_id = creator if isinstance(creator, int) else creator.id
    with app.session() as session:
        statement = select(Enrollment).where(
            Enrollment.creator_id == creator_id, Enrollment.campaign == campaign
        )
        return session.exec(statement).one()


def history(app: App, creator: Creator | int) -> list[tuple[str, str]]:
    """The creator's (or creator id's) events as (kind, summary), oldest first."""
    creator_id = creator if isinstance(creator, int) else creator.id
    statement = (
        select(Event).where(Event.creator_id == creator_id).order_by(col(Event.at), col(Event.id))
    )
    with app.session() as session:
        return [(e.kind, e.summary) for e in session.exec(statement)]


def received_ids(server: SmtpTestServer) -> list[str]:
    """Message-IDs of everything the SMTP server accepted, in order."""
    return [str(m.parsed()["Message-ID"]) for m in server.messages]


def received_by(server: SmtpTestServer) -> dict[str, list[str]]:
    """Subjects the SMTP server accepted, per recipient."""
    found: dict[str, list[str]] = {}
    for message in server.messages:
        for rcpt in message.rcpt_tos:
            found.setdefault(rcpt, []).append(str(message.parsed()["Subject"]))
    return found


def require_personal_notes(workspace: Path) -> None:
    """The sample campaign requires personal notes (as shipped): checked, so tests say so."""
    campaign = workspace / "schedules" / "spring-serum.toml"
    assert 'personal = "required"' in campaign.read_text(encoding="utf-8")


def optional_personal_notes(workspace: Path) -> None:
    """The sample campaign with personal = "optional": every creator's proposal goes."""
    campaign = workspace / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    assert 'personal = "required"' in text
    campaign.write_text(text.replace('personal = "required"', 'personal = "optional"'), "utf-8")


def with_personal_notes(workspace: Path, notes: dict[str, str]) -> None:
    """The creators file with a personal_note column (empty for everyone not in `notes`)."""
    path = workspace / "contacts" / "creators.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    columns = [*(key for key in rows[0] if key != "personal_note"), "personal_note"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "personal_note": notes.get(row["handle"], "")})
    path.write_text(out.getvalue(), encoding="utf-8")
