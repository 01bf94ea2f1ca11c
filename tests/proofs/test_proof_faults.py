"""Proof: SMTP trouble never duplicates or loses a message.

* 421 at connect and 451 at RCPT at random (seeded): every message is delivered once in the end;
* 550 5.1.1 for some recipients: those fail with the server's answer and are suppressed, the
  rest go out untouched;
* the server down for a while, then back on the same port: nothing lost, sending resumes.

These drive `Daemon` in-process rather than `outreach run`: the outbox back-off of the command
starts at 60 s (RETRY_BASE_SECONDS) and no setting or option shortens it, so a retry-heavy
proof through the CLI would take many minutes. The Daemon is given a short back-off instead;
everything else (claiming, SMTP transport, recording) is the code `outreach run` runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from outreach.adapters.models import utcnow
from outreach.bootstrap import bootstrap
from outreach.daemon import Daemon
from outreach.services.app import App
from outreach.services.outbox import Backoff
from tests.proofs.helpers import (
    ChaosSmtpServer,
    Outbox,
    address_of,
    duplicates,
    message_ids,
    outreach_env,
    recipients,
    set_up_campaign,
    smtp_settings,
    sqlite_url,
)
from tests.server_tools import free_port

NO_WAIT = Backoff(0.0, 1.0, 0.0, 3600.0)


def _campaign(
    workspace: Path, server: ChaosSmtpServer, url: str | None, count: int
) -> tuple[App, Outbox]:
    settings = smtp_settings(server, url)
    set_up_campaign(workspace, outreach_env(**settings), count)
    return bootstrap(workspace, environ=settings), Outbox(url or sqlite_url(workspace))


def _assert_each_sent_once(outbox: Outbox, server: ChaosSmtpServer, expected: set[str]) -> None:
    """Every message for `expected` recipients is `sent` and was received exactly once."""
    rows = [row for row in outbox.messages() if row.to_address in expected]
    assert len(rows) == len(expected)
    assert {row.state for row in rows} == {"sent"}, {row.state for row in rows}
    received = message_ids(server)
    assert duplicates(received) == {}
    assert duplicates(recipients(server)) == {}
    assert {row.message_id for row in rows} <= set(received)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_random_421_and_451_everything_delivered_exactly_once(
    backend: str, workspace: Path, request: pytest.FixtureRequest
) -> None:
    count = 150
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    with ChaosSmtpServer(seed=421451) as server:
        app, outbox = _campaign(workspace, server, url, count)
        try:
            server.connect_421 = server.rcpt_451 = 0.3
            report = asyncio.run(Daemon(app=app, clock=utcnow, backoff=NO_WAIT).run_once())
            server.connect_421 = server.rcpt_451 = 0.0

            everyone = {address_of(n) for n in range(count)}
            _assert_each_sent_once(outbox, server, everyone)
            assert len(server.messages) == count
            assert sorted(recipients(server)) == sorted(everyone)
            rows = outbox.messages()
            retried = [row for row in rows if row.attempts > 1]
            # The faults did happen, and were retried rather than failed.
            assert server.injected["421"] > 10 and server.injected["451"] > 10, server.injected
            assert len(retried) > 10
            assert sum(row.attempts for row in rows) >= count + len(retried)
            # Every claim is an attempt of its message, or a 421 at connect: the mailbox's
            # fault, which pauses the mailbox and leaves the message's attempts as they were.
            assert report.sent_or_handled == sum(r.attempts for r in rows) + report.sender_faults
            assert report.sender_faults > 0
        finally:
            outbox.close()
            app.engine.dispose()


def test_550_recipients_fail_and_are_suppressed_the_rest_unaffected(workspace: Path) -> None:
    count = 120
    rejected = {address_of(n) for n in range(0, count, 9)}
    with ChaosSmtpServer() as server:
        app, outbox = _campaign(workspace, server, None, count)
        try:
            server.reject = rejected
            asyncio.run(Daemon(app=app, clock=utcnow, backoff=NO_WAIT).run_once())

            everyone = {address_of(n) for n in range(count)}
            _assert_each_sent_once(outbox, server, everyone - rejected)
            assert len(server.messages) == count - len(rejected)
            assert not rejected & set(recipients(server))
            failed = [row for row in outbox.messages() if row.to_address in rejected]
            assert {row.state for row in failed} == {"failed"}
            assert all("550 5.1.1" in (row.last_error or "") for row in failed)
            assert all(row.attempts == 1 for row in failed), "a permanent failure was retried"
            suppressed = outbox.rows("SELECT address, source FROM suppressions")
            assert {address for address, _ in suppressed} == rejected
            assert {source for _, source in suppressed} == {"bounce"}
            enrolments = outbox.rows(
                "SELECT c.email, e.state FROM enrollments e JOIN creators c ON c.id = e.creator_id"
            )
            assert {email for email, state in enrolments if state == "bounced"} == rejected
            assert {state for email, state in enrolments if email not in rejected} == {"completed"}
        finally:
            outbox.close()
            app.engine.dispose()


def test_server_down_for_a_while_nothing_lost_sending_resumes(workspace: Path) -> None:
    count = 150
    retry_soon = Backoff(0.3, 1.0, 0.3, 3600.0)
    with ChaosSmtpServer(port=free_port()) as server:
        app, outbox = _campaign(workspace, server, None, count)
        server.data_delay = 0.02
        server.stop()
        try:
            timeline = asyncio.run(_outages(app, server, outbox, retry_soon, count))

            rows = outbox.messages()
            states = {row.state for row in rows}
            assert len(rows) == count
            assert states <= {"sent", "unknown"}, states
            unknown = [row for row in rows if row.state == "unknown"]
            # Only a message in the middle of DATA when the server vanished may be unknown
            # (it may have been accepted): held for a person, never resent.
            assert len(unknown) <= 1, [(row.id, row.last_error) for row in unknown]
            assert all("after the message was sent" in row.last_error for row in unknown)
            sent = {row.to_address for row in rows if row.state == "sent"}
            _assert_each_sent_once(outbox, server, sent)
            assert {row.message_id for row in rows if row.state == "sent"} | {
                row.message_id for row in unknown
            } >= set(message_ids(server))
            print(f"\noutage timeline: {timeline}")
        finally:
            outbox.close()
            app.engine.dispose()


async def _outages(
    app: App, server: ChaosSmtpServer, outbox: Outbox, backoff: Backoff, count: int
) -> list[str]:
    """Down from the start, up, down again mid-campaign, up: returns what happened when."""
    daemon = Daemon(app=app, clock=utcnow, backoff=backoff)
    worker = asyncio.create_task(daemon.run_forever())
    timeline: list[str] = []
    try:
        # 1. The server is down when the daemon starts: the mailbox pauses and tries again;
        # the messages wait unharmed (a mailbox that cannot connect is not their failure).
        await _wait(lambda: _mailbox_tries(outbox) >= 2, 20, "retries while the server is down")
        assert server.messages == []
        assert outbox.states().get("failed", 0) == 0
        settled = [row for row in outbox.messages() if row.state != "sending"]  # not in flight
        assert all(row.attempts == 0 for row in settled), [r for r in settled if r.attempts]
        errors = {row.last_error for row in outbox.messages() if row.last_error}
        assert errors and all("Connect call failed" in error for error in errors), errors
        timeline.append(f"down: the mailbox tried {_mailbox_tries(outbox)} times")
        # 2. Back on the same port: sending resumes by itself.
        await asyncio.to_thread(server.start)
        await _wait(lambda: len(server.messages) >= count // 3, 20, "sending to resume")
        timeline.append(f"up: {len(server.messages)} received")
        # 3. Down again in the middle of the campaign, for two seconds.
        await asyncio.to_thread(server.stop)
        at_stop = len(server.messages)
        await asyncio.sleep(2.0)
        assert len(server.messages) == at_stop
        assert outbox.states().get("failed", 0) == 0, outbox.states()
        timeline.append(f"down again at {at_stop}: states {dict(outbox.states())}")
        # 4. Back again: everything left goes out.
        await asyncio.to_thread(server.start)
        await _wait(
            lambda: not {"queued", "sending"} & set(outbox.states()), 30, "the outbox to drain"
        )
        timeline.append(f"done: {dict(outbox.states())}")
    finally:
        daemon.stop()
        await asyncio.wait_for(worker, 10)
    return timeline


def _mailbox_tries(outbox: Outbox) -> int:
    rows = outbox.rows("SELECT max(failures) FROM sender_health")
    return int(rows[0][0] or 0)


async def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)
