"""Failures through the daemon: retries, permanent rejections, unknown outcomes, settling them."""

from __future__ import annotations

import asyncio
import email.policy
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

from outreach.constants import DEAD_WORKER_SECONDS
from outreach.daemon import Daemon
from outreach.services.app import App
from outreach.services.outbox import Backoff
from outreach.services.outbox_admin import resolve
from outreach.services.status import system_status
from outreach.services.suppressions import suppression_for
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    enrollment_of,
    history,
    make_app,
    messages,
    received_by,
    received_ids,
    run_once,
    write_campaign,
)
from tests.smtp_server import Fault, SmtpTestServer

pytestmark = pytest.mark.usefixtures("trust_test_ca")

QUICK = Backoff(0.0, 1.0, 0.0, 3600.0)
TRY_LATER = "451 4.3.0 Try again later"
NO_SUCH_USER = "550 5.1.1 No such user here"


class TickingClock:
    """A clock that moves one second on every reading, so a retry deadline is reached."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def one_creator_campaign(workspace: Path, database_url: str, server: SmtpTestServer) -> App:
    app = make_app(workspace, database_url, server)
    spec = write_campaign(workspace, "serum")
    add_creator(app, "ana")
    enroll_in(app, spec, MONDAY)
    return app


def smtp_label(server: SmtpTestServer) -> str:
    return f"SMTP {server.host}:{server.port} (starttls)"


def test_a_451_at_rcpt_is_retried_and_the_message_sent_once(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = one_creator_campaign(workspace, database_url, smtp_server)
    smtp_server.fail_next(Fault(phase="rcpt", reply=TRY_LATER))

    run_once(app, MONDAY, backoff=QUICK)
    run_once(app, MONDAY + timedelta(minutes=1), backoff=QUICK)

    [message] = messages(app)
    assert (message.state, message.attempts) == ("sent", 2)
    # Sent: the 451 before the retry stays in the history, not as the message's error.
    assert message.last_error is None
    assert received_ids(smtp_server) == [message.message_id]


def test_a_message_that_waited_for_its_window_is_still_retried_after_a_451(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = make_app(workspace, database_url, smtp_server)
    spec = write_campaign(
        workspace, "serum", window={"days": ["mon"], "start": "10:00", "end": "18:00"}
    )
    add_creator(app, "ana", timezone="UTC")
    friday = MONDAY - timedelta(days=3)
    enroll_in(app, spec, friday)
    run_once(app, friday)  # planned on Friday for Monday 10:00
    smtp_server.fail_next(Fault(phase="rcpt", reply=TRY_LATER))
    a_day = Backoff(0.0, 1.0, 0.0, 24 * 3600.0)

    run_once(app, MONDAY + timedelta(hours=10), backoff=a_day)

    # The retry deadline runs from the first attempt, not from the moment of planning: a
    # 451 at the first try on Monday is retried, whatever the weekend in between.
    [message] = messages(app)
    assert (message.state, message.attempts) == ("sent", 2)
    assert len(received_ids(smtp_server)) == 1


def test_a_451_until_the_deadline_fails_with_the_last_answer(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = one_creator_campaign(workspace, database_url, smtp_server)
    smtp_server.fail_next(*[Fault(phase="rcpt", reply=TRY_LATER)] * 200)
    daemon = Daemon(app=app, clock=TickingClock(MONDAY), backoff=Backoff(0.0, 1.0, 0.0, 30.0))

    asyncio.run(daemon.run_once())
    run_once(app, MONDAY + timedelta(hours=1), backoff=QUICK)

    [message] = messages(app)
    assert message.state == "failed"
    assert message.attempts > 1
    assert message.last_error == f"{smtp_label(smtp_server)}: {TRY_LATER}"
    assert smtp_server.messages == []
    assert history(app, enrollment_creator(app))[-1] == (
        "send_failed", f"'pitch' to ana@mail.example: {smtp_label(smtp_server)}: {TRY_LATER}",
    )  # fmt: skip


def enrollment_creator(app: App) -> int:
    [message] = messages(app)
    return message.creator_id


def test_a_550_5_1_1_fails_suppresses_and_bounces_only_that_creator(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = make_app(workspace, database_url, smtp_server)
    spec = write_campaign(workspace, "serum")
    ana = add_creator(app, "ana")
    ben = add_creator(app, "ben")
    enroll_in(app, spec, MONDAY)
    smtp_server.fail_next(Fault(phase="rcpt", reply=NO_SUCH_USER))  # ana's proposal goes first

    run_once(app, MONDAY, backoff=QUICK)
    run_once(app, MONDAY + timedelta(days=4), backoff=QUICK)

    [failed] = messages(app, to_address="ana@mail.example")
    answer = f"{smtp_label(smtp_server)}: {NO_SUCH_USER}"
    assert (failed.state, failed.attempts, failed.last_error) == ("failed", 1, answer)
    # Ben's sequence went on to its end: proposal and follow-up.
    assert (enrollment_of(app, ana, "serum").state, enrollment_of(app, ben, "serum").state) == (
        "bounced", "completed",
    )  # fmt: skip
    with app.session() as session:
        suppression = suppression_for(session, "ana@mail.example")
    assert suppression is not None
    assert suppression.reason == f"rejected by the server: {answer}"
    assert received_by(smtp_server) == {
        "ben@mail.example": ["Rice Bran Serum for Ben", "Re: Rice Bran Serum for Ben"]
    }


def unknown_after_a_dropped_data(
    workspace: Path, database_url: str, server: SmtpTestServer
) -> tuple[App, int]:
    app = one_creator_campaign(workspace, database_url, server)
    server.fail_next(Fault(phase="data", drop=True))
    run_once(app, MONDAY, backoff=QUICK)
    [message] = messages(app)
    assert message.id is not None
    return app, message.id


def test_a_connection_dropped_during_data_leaves_the_message_unknown_and_never_resent(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, message_id = unknown_after_a_dropped_data(workspace, database_url, smtp_server)

    for days in (0, 1, 4, 8):
        run_once(app, MONDAY + timedelta(days=days, minutes=5), backoff=QUICK)

    [message] = messages(app)
    assert (message.state, message.attempts, message.sent_at) == ("unknown", 1, None)
    assert message.last_error == (
        f"{smtp_label(smtp_server)}: connection lost after the message was sent"
    )
    assert smtp_server.messages == []
    with app.session() as session:
        status = system_status(session, MONDAY + timedelta(days=8), DEAD_WORKER_SECONDS)
    assert [m.id for m in status.unknown] == [message_id]
    assert status.messages["unknown"] == 1


def test_resolving_an_unknown_as_sent_lets_the_sequence_continue(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, message_id = unknown_after_a_dropped_data(workspace, database_url, smtp_server)
    settled = MONDAY + timedelta(hours=1)
    with app.session() as session:
        resolve(session, message_id, True, settled)

    run_once(app, settled + timedelta(days=5), backoff=QUICK)

    [proposal, follow_up] = messages(app)
    assert (proposal.state, follow_up.state, follow_up.step) == ("sent", "sent", 2)
    [received] = smtp_server.messages
    parsed = message_from_bytes(received.data, policy=email.policy.default)
    assert parsed["In-Reply-To"] == proposal.message_id
    assert str(parsed["Subject"]) == "Re: Rice Bran Serum for Ana"


def test_resolving_an_unknown_as_sent_keeps_the_delay_before_the_follow_up(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, message_id = unknown_after_a_dropped_data(workspace, database_url, smtp_server)
    settled = MONDAY + timedelta(hours=1)
    with app.session() as session:
        resolve(session, message_id, True, settled)

    run_once(app, settled, backoff=QUICK)

    # The follow-up's delay is 4 days after the proposal; settling the proposal by hand
    # must not send the follow-up in the same hour.
    assert [(m.step, m.state) for m in messages(app)] == [(1, "sent")]
    assert smtp_server.messages == []


def test_resolving_an_unknown_for_resending_sends_it_exactly_once(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, message_id = unknown_after_a_dropped_data(workspace, database_url, smtp_server)
    settled = MONDAY + timedelta(hours=1)
    with app.session() as session:
        resolve(session, message_id, False, settled)

    for minutes in (0, 1, 60):
        run_once(app, settled + timedelta(minutes=minutes), backoff=QUICK)

    [message] = messages(app)
    assert (message.state, message.attempts, message.sent_at) == ("sent", 2, settled)
    assert received_ids(smtp_server) == [message.message_id]
