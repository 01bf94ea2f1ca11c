"""A follow-up already queued is re-checked at the moment of sending, not only when planned."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.adapters.campaign_files import load_all_campaigns
from outreach.adapters.models import Creator, Enrollment, Message
from outreach.services.app import App
from outreach.services.outbox_admin import resolve
from outreach.services.planning import plan_due
from outreach.services.replies import ReplyKind, record_reply
from outreach.services.suppressions import add_suppression
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    enrollment_of,
    history,
    make_app,
    messages,
    received_by,
    run_once,
    write_campaign,
)
from tests.smtp_server import Fault, SmtpTestServer

pytestmark = pytest.mark.usefixtures("trust_test_ca")

FOLLOW_UP_DUE = MONDAY + timedelta(days=4)


def follow_ups_queued(
    workspace: Path, database_url: str, server: SmtpTestServer
) -> tuple[App, Creator, Creator]:
    """Ana and Ben got the proposal; their follow-ups are planned and queued, not yet sent."""
    app = make_app(workspace, database_url, server)
    spec = write_campaign(workspace, "serum")
    ana = add_creator(app, "ana", email="ana@studio.example")
    ben = add_creator(app, "ben", email="ben@mail.example")
    enroll_in(app, spec, MONDAY)
    run_once(app, MONDAY)
    plan_due(app, load_all_campaigns(app.schedules), FOLLOW_UP_DUE)
    assert [(m.step, m.state) for m in messages(app)] == [
        (1, "sent"), (1, "sent"), (2, "queued"), (2, "queued"),
    ]  # fmt: skip
    return app, ana, ben


def follow_up_of(app: App, creator: Creator) -> Message:
    [message] = messages(app, creator_id=creator.id, step=2)
    return message


def test_a_queued_follow_up_is_cancelled_after_a_reply(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ana, ben = follow_ups_queued(workspace, database_url, smtp_server)
    with app.session() as session:
        record_reply(session, ana, ReplyKind.REPLY, FOLLOW_UP_DUE, "sounds lovely")
        session.commit()

    run_once(app, FOLLOW_UP_DUE)

    cancelled = follow_up_of(app, ana)
    assert (cancelled.state, cancelled.sent_at, cancelled.last_error) == (
        "cancelled", None, "replied",
    )  # fmt: skip
    assert follow_up_of(app, ben).state == "sent"
    assert len(received_by(smtp_server)["ana@studio.example"]) == 1
    assert len(received_by(smtp_server)["ben@mail.example"]) == 2
    assert enrollment_of(app, ana, "serum").state == "replied"
    *_, replied, ended, changed = history(app, ana)
    assert [replied, ended] == [
        ("reply", "reply recorded: sounds lovely"),
        ("sequence_replied", "campaign 'serum': replied"),
    ]
    assert changed[0] == "status_changed" and changed[1].endswith("→ replied")


def test_a_queued_follow_up_is_cancelled_after_a_bounce(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ana, ben = follow_ups_queued(workspace, database_url, smtp_server)
    with app.session() as session:
        record_reply(session, ana, ReplyKind.BOUNCE, FOLLOW_UP_DUE, "mailbox full for 30 days")
        session.commit()

    run_once(app, FOLLOW_UP_DUE)

    cancelled = follow_up_of(app, ana)
    assert (cancelled.state, cancelled.last_error) == ("cancelled", "address bounced")
    assert follow_up_of(app, ben).state == "sent"
    assert len(received_by(smtp_server)["ana@studio.example"]) == 1
    assert enrollment_of(app, ana, "serum").state == "bounced"
    assert ("sequence_bounced", "campaign 'serum': address bounced") in history(app, ana)


def test_a_queued_follow_up_is_cancelled_after_an_opt_out(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ana, ben = follow_ups_queued(workspace, database_url, smtp_server)
    with app.session() as session:
        record_reply(session, ana, ReplyKind.OPT_OUT, FOLLOW_UP_DUE, "please stop")
        session.commit()

    run_once(app, FOLLOW_UP_DUE)

    cancelled = follow_up_of(app, ana)
    assert (cancelled.state, cancelled.last_error) == ("cancelled", "opted out")
    assert follow_up_of(app, ben).state == "sent"
    assert len(received_by(smtp_server)["ana@studio.example"]) == 1
    assert enrollment_of(app, ana, "serum").state == "opted_out"
    assert ("sequence_opted_out", "campaign 'serum': opted out") in history(app, ana)


@pytest.mark.parametrize(
    ("entry", "key"),
    [("ana@studio.example", "ana@studio.example"), ("studio.example", "@studio.example")],
)
def test_a_queued_follow_up_is_cancelled_at_sending_after_a_suppression(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer, entry: str, key: str
) -> None:
    app, ana, ben = follow_ups_queued(workspace, database_url, smtp_server)
    with app.session() as session:
        add_suppression(session, entry, "asked us by phone", FOLLOW_UP_DUE)
        session.commit()

    run_once(app, FOLLOW_UP_DUE)

    cancelled = follow_up_of(app, ana)
    reason = f"@ana <ana@studio.example> is suppressed ({key}: asked us by phone)"
    assert (cancelled.state, cancelled.sent_at, cancelled.last_error) == (
        "cancelled", None, reason,
    )  # fmt: skip
    assert follow_up_of(app, ben).state == "sent"
    assert len(received_by(smtp_server)["ana@studio.example"]) == 1
    assert history(app, ana)[-1] == ("cancelled", f"'nudge' not sent: {reason}")


def test_a_follow_up_cancelled_for_a_suppression_ends_the_sequence(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ana, _ = follow_ups_queued(workspace, database_url, smtp_server)
    with app.session() as session:
        add_suppression(session, "ana@studio.example", "asked us by phone", FOLLOW_UP_DUE)
        session.commit()

    run_once(app, FOLLOW_UP_DUE)

    # Planning ends the sequence of a suppressed creator as "stopped"; a cancellation at the
    # moment of sending must not leave it "active" with nothing ever due again.
    enrollment = enrollment_of(app, ana, "serum")
    assert enrollment.state == "stopped"


def test_a_follow_up_resent_by_hand_after_a_reply_is_cancelled_at_sending(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ana, _ = follow_ups_queued(workspace, database_url, smtp_server)
    # Ana's follow-up is the older row, so it is claimed first and its connection is cut.
    smtp_server.fail_next(Fault(phase="data", drop=True))
    run_once(app, FOLLOW_UP_DUE)
    unknown = follow_up_of(app, ana)
    assert unknown.state == "unknown" and unknown.id is not None
    with app.session() as session:
        record_reply(session, ana, ReplyKind.REPLY, FOLLOW_UP_DUE, "got it, thanks")
        session.commit()
        resolve(session, unknown.id, sent=False, now=FOLLOW_UP_DUE)

    run_once(app, FOLLOW_UP_DUE + timedelta(minutes=1))

    again = follow_up_of(app, ana)
    assert (again.state, again.last_error) == (
        "cancelled", "sequence ended (replied: replied)",
    )  # fmt: skip
    assert len(received_by(smtp_server)["ana@studio.example"]) == 1


def test_an_opt_out_ends_every_active_enrolment_in_every_campaign(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ana, _ = follow_ups_queued(workspace, database_url, smtp_server)
    write_campaign(workspace, "winter")
    assert ana.id is not None
    with app.session() as session:
        # A second active enrolment, due now, written directly: enrol itself leaves out a
        # creator active in another campaign. Had the opt-out missed it, it would be sent.
        second = Enrollment(
            campaign="winter",
            creator_id=ana.id,
            next_step=1,
            next_due_at=FOLLOW_UP_DUE,
            created_at=MONDAY,
            updated_at=MONDAY,
        )
        session.add(second)
        session.commit()
        record_reply(session, ana, ReplyKind.OPT_OUT, FOLLOW_UP_DUE, "stop everything")
        session.commit()

    run_once(app, FOLLOW_UP_DUE)

    with app.session() as session:
        states = {
            e.campaign: (e.state, e.end_reason)
            for e in session.exec(select(Enrollment).where(Enrollment.creator_id == ana.id))
        }
    assert states == {"serum": ("opted_out", "opted out"), "winter": ("opted_out", "opted out")}
    assert len(received_by(smtp_server)["ana@studio.example"]) == 1
    assert [m.campaign for m in messages(app, creator_id=ana.id, state="sent")] == ["serum"]


def test_planning_a_batch_ends_the_sequences_of_suppressed_addresses_and_domains(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum")
    kept = add_creator(app, "kept")
    by_address = add_creator(app, "byaddress")
    by_domain = add_creator(app, "bydomain", email="bydomain@blocked.example")
    enroll_in(app, spec, MONDAY)
    with app.session() as session:
        add_suppression(session, by_address.email, "asked by phone", MONDAY)
        add_suppression(session, "@blocked.example", "their agency said no", MONDAY)
        session.commit()

    report = plan_due(app, load_all_campaigns(app.schedules), MONDAY + timedelta(minutes=1))

    assert (report.planned, report.ended) == (1, 2)
    assert [m.creator_id for m in messages(app)] == [kept.id]
    for creator, why in ((by_address, "asked by phone"), (by_domain, "their agency said no")):
        enrollment = enrollment_of(app, creator, "serum")
        assert enrollment.state == "stopped" and why in (enrollment.end_reason or "")
