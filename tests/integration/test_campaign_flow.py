"""A campaign from enrolment to finished sequences, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from outreach.adapters.models import Enrollment, Message
from outreach.bootstrap import bootstrap
from outreach.core.retry import RetryPolicy
from outreach.daemon import Daemon
from outreach.services.app import App
from outreach.services.importing import import_creators
from tests.smtp_server import SmtpTestServer

NO_GAPS = """
[limits]
per_mailbox_per_day = 500
per_campaign_per_day = 500
min_gap_seconds = 0
jitter_seconds = 0
"""


def campaign_app(workspace: Path, database_url: str, server: SmtpTestServer) -> App:
    """The sample workspace on the given database, sending to the test server."""
    campaign = workspace / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(_notes_optional(text.split("[limits]")[0] + NO_GAPS + "\n[[steps]]" +
                        text.split("[[steps]]", 1)[1]), encoding="utf-8")  # fmt: skip
    environ = {
        "OUTREACH_DATABASE_URL": database_url,
        "OUTREACH_SMTP_HOST": server.host,
        "OUTREACH_SMTP_PORT": str(server.port),
        "OUTREACH_SMTP_SECURITY": "none",
        "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
    }
    app = bootstrap(workspace, environ=environ, retry=RetryPolicy(1, 0, 1))
    with app.session() as session:
        import_creators(session, workspace / "contacts/creators.csv", app.clock())
    return app


def run_once(app: App, now: datetime) -> None:
    asyncio.run(Daemon(app=app, clock=lambda: now).run_once())


def test_a_campaign_runs_from_enrolment_to_finished_sequences(
    workspace: Path, database_url: str
) -> None:
    from outreach.adapters.campaign_files import find_campaign
    from outreach.services.enrollment import enroll

    with SmtpTestServer(security="none") as server:
        app = campaign_app(workspace, database_url, server)
        spec = find_campaign(app.schedules, "spring-serum")
        start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # a Tuesday
        with app.session() as session:
            plan = enroll(session, spec, start, cool_off_days=90)
        assert len(plan.enrolled) == 7
        for day in range(0, 20):
            for hour in range(0, 24, 2):
                run_once(app, start + timedelta(days=day, hours=hour))
        with app.session() as session:
            messages = list(session.exec(select(Message)))
            enrollments = list(session.exec(select(Enrollment)))
        assert {m.state for m in messages} == {"sent"}
        assert len(messages) == 7 * 3
        assert {e.state for e in enrollments} == {"completed"}
        received = [m.parsed() for m in server.messages]
        assert len(received) == 21
        assert len({m["Message-ID"] for m in received}) == 21
        by_recipient: dict[str, list] = {}
        for message in received:
            by_recipient.setdefault(str(message["To"].addresses[0].addr_spec), []).append(message)
        for thread in by_recipient.values():
            first, second, third = thread
            assert first["In-Reply-To"] is None and first["References"] is None
            assert second["In-Reply-To"] == first["Message-ID"]
            assert third["References"].split() == [first["Message-ID"], second["Message-ID"]]
            assert str(second["Subject"]).endswith(str(first["Subject"]).removeprefix("(광고) "))


def _notes_optional(text: str) -> str:
    """These tests are about the send path: every sample creator's proposal may go."""
    return text.replace('personal = "required"', 'personal = "optional"')
