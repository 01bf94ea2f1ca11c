"""A worker that died while sending: its message becomes unknown and is never resent."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from outreach.adapters.campaign_files import load_all_campaigns
from outreach.adapters.database import make_engine
from outreach.adapters.models import Message, Worker
from outreach.constants import DEAD_WORKER_SECONDS, LEASE_SECONDS, ONE_OFF_LEASE_PREFIX
from outreach.services.app import App
from outreach.services.planning import plan_due
from outreach.services.workers import reap_dead_workers
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    enrollment_of,
    history,
    make_app,
    messages,
    run_once,
    write_campaign,
)
from tests.smtp_server import SmtpTestServer

pytestmark = pytest.mark.usefixtures("trust_test_ca")

DIED_WHILE_SENDING = (
    "delivery unknown: its worker died while sending; settle with `outreach outbox resolve`"
)


def finished_pid() -> int:
    """The id of a process that has already exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def sending_by_a_ghost(
    workspace: Path,
    database_url: str,
    server: SmtpTestServer,
    *,
    hostname: str,
    pid: int,
    heartbeat_at: datetime,
) -> tuple[App, int]:
    """A planned proposal leased, as 'sending', by a worker row no live process stands behind."""
    app = make_app(workspace, database_url, server)
    spec = write_campaign(workspace, "serum")
    add_creator(app, "ana")
    enroll_in(app, spec, MONDAY)
    plan_due(app, load_all_campaigns(app.schedules), MONDAY)
    worker_id = f"{hostname}:{pid}:0badf00d"
    with app.session() as session:
        started = MONDAY - timedelta(hours=1)
        worker = Worker(
            id=worker_id, hostname=hostname, pid=pid, started_at=started, heartbeat_at=heartbeat_at
        )
        session.add(worker)
        row = session.exec(select(Message)).one()
        assert row.id is not None
        row.state, row.attempts, row.lease_owner = "sending", 1, worker_id
        row.lease_expires_at = MONDAY + timedelta(seconds=LEASE_SECONDS)
        session.add(row)
        session.commit()
        return app, row.id


def test_a_worker_with_an_old_heartbeat_leaves_its_message_unknown(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, message_id = sending_by_a_ghost(
        workspace, database_url, smtp_server,
        hostname="other-host.example", pid=4242, heartbeat_at=MONDAY - timedelta(minutes=2),
    )  # fmt: skip

    with app.session() as session:
        reaped = reap_dead_workers(session, MONDAY, DEAD_WORKER_SECONDS)

    [message] = messages(app)
    assert (reaped, message.id, message.state) == (1, message_id, "unknown")
    assert message.last_error == DIED_WHILE_SENDING
    assert history(app, message.creator_id)[-1] == (
        "delivery_unknown", "'pitch' to ana@mail.example: its worker died while sending",
    )  # fmt: skip


def test_a_worker_whose_process_is_gone_is_dead_at_once(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, _ = sending_by_a_ghost(
        workspace, database_url, smtp_server,
        hostname=socket.gethostname(), pid=finished_pid(), heartbeat_at=MONDAY,
    )  # fmt: skip

    with app.session() as session:
        reaped = reap_dead_workers(session, MONDAY + timedelta(seconds=5), DEAD_WORKER_SECONDS)

    [message] = messages(app)
    assert (reaped, message.state, message.last_error) == (1, "unknown", DIED_WHILE_SENDING)


def test_a_worker_with_a_fresh_heartbeat_on_another_host_is_left_alone(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, _ = sending_by_a_ghost(
        workspace, database_url, smtp_server,
        hostname="other-host.example", pid=4242, heartbeat_at=MONDAY,
    )  # fmt: skip

    with app.session() as session:
        reaped = reap_dead_workers(session, MONDAY + timedelta(seconds=30), DEAD_WORKER_SECONDS)

    assert reaped == 0
    assert [m.state for m in messages(app)] == ["sending"]


def test_a_one_off_send_whose_lease_ran_out_is_unknown_and_a_live_one_is_left_alone(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    """`outreach send` leases its message, not as a worker: only the lease's end tells."""
    app, message_id = sending_by_a_ghost(
        workspace, database_url, smtp_server,
        hostname="other-host.example", pid=4242, heartbeat_at=MONDAY,
    )  # fmt: skip
    with app.session() as session:
        row = session.get(Message, message_id)
        assert row is not None
        row.lease_owner = f"{ONE_OFF_LEASE_PREFIX}4242@other-host.example"
        row.lease_expires_at = MONDAY + timedelta(minutes=10)
        session.add(row)
        session.commit()

    with app.session() as session:  # the lease still runs: the send may be on the wire
        assert reap_dead_workers(session, MONDAY + timedelta(minutes=9), DEAD_WORKER_SECONDS) == 0
    assert [m.state for m in messages(app)] == ["sending"]

    with app.session() as session:
        reaped = reap_dead_workers(session, MONDAY + timedelta(minutes=11), DEAD_WORKER_SECONDS)

    [message] = messages(app)
    assert (reaped, message.state) == (1, "unknown")
    assert message.last_error == (
        "delivery unknown: `outreach send` stopped; settle with `outreach outbox resolve`"
    )
    assert history(app, message.creator_id)[-1] == (
        "delivery_unknown", "'pitch' to ana@mail.example: `outreach send` stopped",
    )  # fmt: skip


def test_a_new_daemon_notices_the_dead_worker_and_never_sends_its_message(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, _ = sending_by_a_ghost(
        workspace, database_url, smtp_server,
        hostname="other-host.example", pid=4242, heartbeat_at=MONDAY,
    )  # fmt: skip

    first = run_once(app, MONDAY + timedelta(minutes=1))
    for minutes in (2, 10, 60 * 24):
        run_once(app, MONDAY + timedelta(minutes=minutes))

    assert first.reaped == 1
    [message] = messages(app)
    assert (message.state, message.attempts, message.sent_at) == ("unknown", 1, None)
    assert smtp_server.messages == []


def test_a_send_whose_record_deadlocks_with_another_worker_is_recorded_once_on_retry(
    workspace: Path,
    postgres_url: str,
    smtp_server: SmtpTestServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL cancels one of two deadlocked transactions; when it is the record of a
    message already on the wire, the record is run again rather than left undone."""
    app = make_app(workspace, postgres_url, smtp_server)
    spec = write_campaign(workspace, "serum", steps=[("pitch", "0d")])
    add_creator(app, "ana")
    enroll_in(app, spec, MONDAY)
    plan_due(app, load_all_campaigns(app.schedules), MONDAY)
    [planned] = messages(app)
    other = make_engine(postgres_url)
    other_errors: list[BaseException] = []

    def other_worker() -> None:
        """Holds the enrolment the record updates, then asks for the message the record holds."""
        try:
            with other.begin() as connection:
                # The record (1 s by default) finds the deadlock first and is the one cancelled.
                connection.exec_driver_sql("SET LOCAL deadlock_timeout = '20s'")
                connection.execute(
                    text("UPDATE enrollments SET updated_at = updated_at WHERE id = :id"),
                    {"id": planned.enrollment_id},
                )
                holding.set()
                _wait_for_a_lock_wait(other)
                connection.execute(
                    text("UPDATE messages SET attempts = attempts WHERE id = :id"),
                    {"id": planned.id},
                )
        except BaseException as exc:  # shown by the test, not lost in the thread
            other_errors.append(exc)

    holding = threading.Event()
    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(10)
        with caplog.at_level(logging.INFO, logger="outreach.dispatch"):
            run_once(app, MONDAY)
    finally:
        thread.join(30)
        other.dispose()

    assert other_errors == []
    assert "recording met another worker's transaction; again" in caplog.text
    [message] = messages(app)
    assert (message.state, message.attempts) == ("sent", 1)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ana@mail.example"]]
    assert [kind for kind, _ in history(app, message.creator_id)].count("sent") == 1
    assert enrollment_of(app, message.creator_id, "serum").state == "completed"


def _wait_for_a_lock_wait(engine: Engine) -> None:
    """Until some session of this database waits for a row lock (the record, here)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 20
    with engine.connect() as connection:
        while connection.execute(query).scalar_one() == 0:
            assert time.monotonic() < deadline, "the record never waited for the enrolment"
            time.sleep(0.02)
