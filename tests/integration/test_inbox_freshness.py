"""Never send blind: no campaign message before the inbox is read, none while it cannot be."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta
from pathlib import Path

from outreach.daemon import Daemon
from tests.conftest import run_outreach, run_outreach_process
from tests.imap_server import DovecotTestServer
from tests.inbox_helpers import START, bounce_for, inbox_app, inbox_environment, reply, sent_to
from tests.smtp_server import SmtpTestServer

FOLLOW_UPS_DUE = START + timedelta(days=4, hours=1)
SILENT = {"haruka.takahashi@mail.example", "seoyeon.lee@mail.example", "priya.shah@inbox.example"}


def answers_arrive(app: object, imap: DovecotTestServer) -> None:
    """A yes, a bounce, an out-of-office and an opt-out land while no worker runs."""
    misaki, minji = sent_to(app, "misaki.hada"), sent_to(app, "minji.glow")  # type: ignore[arg-type]
    kenta, hannah = sent_to(app, "kenta.skincare"), sent_to(app, "hannahbrooks.skin")  # type: ignore[arg-type]
    imap.append(reply(misaki, "misaki@mail.example", "ぜひ試してみたいです！"))
    imap.append(bounce_for(minji))
    away = "I am out of the office until 20 December 2026."
    imap.append(reply(kenta, "kenta.tanaka@mail.example", away, "Out of Office"))
    imap.append(reply(hannah, "hannah@inbox.example", "Please unsubscribe me."))


def recipients(smtp: SmtpTestServer, start: int) -> list[str]:
    """Who the messages from the start-th on went to."""
    return [m.parsed()["To"].addresses[0].addr_spec for m in smtp.messages[start:]]


async def run_daemon_until(daemon: Daemon, done: object, timeout: float = 20.0) -> None:
    """Run the real daemon (not --once) until `done()` holds and one more send round passed."""
    task = asyncio.create_task(daemon.run_forever())
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.5)  # a further send round: nothing more may go
    daemon.stop()
    await task


def test_a_restarted_daemon_reads_the_inbox_before_any_follow_up(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        assert len(smtp.messages) == 7
        answers_arrive(app, imap_server)

        daemon = Daemon(app=app, clock=lambda: FOLLOW_UPS_DUE)
        asyncio.run(run_daemon_until(daemon, lambda: len(smtp.messages) >= 10))

        assert sorted(recipients(smtp, 7)) == sorted(SILENT)
        assert daemon.report.inbox_error is None


def environment(imap: DovecotTestServer, smtp: SmtpTestServer, password: str) -> dict[str, str]:
    """The settings inbox_app uses, with this IMAP password."""
    return {**inbox_environment(smtp, imap), "OUTREACH_IMAP_PASSWORD": password,
            "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
            "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo"}  # fmt: skip


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def test_an_inbox_that_cannot_be_read_holds_every_campaign_message_until_it_can(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        answers_arrive(app, imap_server)
        wrong = environment(imap_server, smtp, "not-the-password")

        failed = run_outreach(workspace, "run", "--once", "--now", iso(FOLLOW_UPS_DUE), env=wrong)
        status = run_outreach(workspace, "status", "--now", iso(FOLLOW_UPS_DUE), env=wrong)

        assert failed.code == 1
        assert "error: the inbox could not be read" in failed.stderr
        assert "not-the-password" not in failed.stderr + failed.stdout
        assert "sent 0," in failed.stdout and "waiting for the inbox 7" in failed.stdout
        # Every follow-up was planned (the answers are unread) and none went out.
        assert len(smtp.messages) == 7
        assert "FAILING since 2026-12-05 02:30 UTC" in status.stdout
        assert "AUTHENTICATIONFAILED" in status.stdout
        assert "last read 2026-12-01 01:30 UTC" in status.stdout
        assert "messages waiting for the inbox to be read: 7" in status.stdout
        assert "not-the-password" not in status.stdout
        as_json = run_outreach(workspace, "report", "--format", "json", env=wrong)
        as_text = run_outreach(workspace, "report", env=wrong)
        report = json.loads(as_json.stdout)
        [inbox] = report["inboxes"]
        assert inbox["failing"] and "AUTHENTICATIONFAILED" in inbox["last_error"]
        assert report["waiting_for_inbox"] == 7
        assert "FAILING since 2026-12-05 02:30" in as_text.stdout
        assert "7 message(s) wait for the inbox to be read." in as_text.stdout

        later = FOLLOW_UPS_DUE + timedelta(minutes=2)
        right = environment(imap_server, smtp, imap_server.password)
        fixed = run_outreach(workspace, "run", "--once", "--now", iso(later), env=right)
        healthy = run_outreach(workspace, "status", "--now", iso(later), env=right)

        assert fixed.code == 0, fixed.stderr
        assert sorted(recipients(smtp, 7)) == sorted(SILENT)
        assert "FAILING" not in healthy.stdout
        assert "last read 2026-12-05 02:32 UTC" in healthy.stdout
        assert "waiting for the inbox" not in healthy.stdout


def test_without_an_inbox_nothing_waits_and_every_run_says_replies_are_not_read(
    workspace: Path,
) -> None:
    result = run_outreach(workspace, "run", "--once", "--now", "2030-01-07T01:00Z")
    status = run_outreach(workspace, "status")

    assert result.code == 0, result.stderr
    assert "No inbox is set (OUTREACH_IMAP_HOST or mailboxes.toml)" in result.stderr
    assert "waiting for the inbox 0" in result.stdout
    assert "inbox: none set (OUTREACH_IMAP_HOST or mailboxes.toml)" in status.stdout


def test_the_worker_log_says_what_the_inbox_held_without_library_chatter(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        minji = sent_to(app, "minji.glow")
        imap_server.append(  # not RFC 3464: read by flufl.bounce's detectors
            f"From: MAILER-DAEMON@mail.example\r\nTo: {minji.from_address}\r\n"
            "Subject: failure notice\r\nMessage-ID: <q-1@mail.example>\r\n\r\n"
            "Hi. This is the qmail-send program at mail.example.\r\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
            f"<{minji.to_address}>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
            "--- Below this line is a copy of the message.\r\n\r\n"
            f"Message-ID: {minji.message_id}\r\n".encode()
        )
        env = environment(imap_server, smtp, imap_server.password)

        # A real process: the log is configured by the command itself.
        later = iso(START + timedelta(minutes=2))  # the first run's inbox lease has passed
        result = run_outreach_process(workspace, "run", "--once", "--now", later, env=env)

        assert result.code == 0, result.stderr
        assert f"inbox {imap_server.user}/INBOX: {{'bounce': 1}}" in result.stderr
        assert "Running detector" not in result.stderr
