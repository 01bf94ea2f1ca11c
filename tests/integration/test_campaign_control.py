"""What a person controls: pausing and resuming a campaign, approving or skipping proposals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from outreach.adapters.campaign_files import load_all_campaigns
from outreach.services.app import App
from outreach.services.campaign_control import set_paused
from outreach.services.outbox_admin import approve
from outreach.services.planning import plan_due
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    enrollment_of,
    make_app,
    messages,
    received_by,
    received_ids,
    run_once,
    write_campaign,
)
from tests.smtp_server import SmtpTestServer

pytestmark = pytest.mark.usefixtures("trust_test_ca")

FOLLOW_UP_DUE = MONDAY + timedelta(days=4)


def two_campaigns_with_follow_ups_queued(
    workspace: Path, database_url: str, server: SmtpTestServer
) -> App:
    """Two campaigns, two creators each: proposals sent, follow-ups planned and queued."""
    app = make_app(workspace, database_url, server)
    for name in ("held-back", "running"):
        spec = write_campaign(workspace, name)
        for number in (1, 2):
            add_creator(app, f"{name.replace('-', '')}{number}")
        enroll_in(app, spec, MONDAY)
    run_once(app, MONDAY)
    plan_due(app, load_all_campaigns(app.schedules), FOLLOW_UP_DUE)
    assert [m.state for m in messages(app, step=2)] == ["queued"] * 4
    return app


def test_a_paused_campaign_sends_nothing_while_others_still_send(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = two_campaigns_with_follow_ups_queued(workspace, database_url, smtp_server)
    with app.session() as session:
        set_paused(session, "held-back", True, FOLLOW_UP_DUE)

    run_once(app, FOLLOW_UP_DUE)
    run_once(app, FOLLOW_UP_DUE + timedelta(days=1))

    states = {(m.campaign, m.state) for m in messages(app, step=2)}
    assert states == {("held-back", "queued"), ("running", "sent")}
    assert {rcpt: len(subjects) for rcpt, subjects in received_by(smtp_server).items()} == {
        "heldback1@mail.example": 1,
        "heldback2@mail.example": 1,
        "running1@mail.example": 2,
        "running2@mail.example": 2,
    }


def test_a_paused_campaign_plans_no_new_step(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = make_app(workspace, database_url, smtp_server)
    spec = write_campaign(workspace, "serum")
    add_creator(app, "anna")
    enroll_in(app, spec, MONDAY)
    with app.session() as session:
        set_paused(session, "serum", True, MONDAY)

    report = run_once(app, MONDAY)

    assert report.planned == 0
    assert messages(app) == []
    assert smtp_server.messages == []


def test_after_resume_everything_goes_out_exactly_once(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = two_campaigns_with_follow_ups_queued(workspace, database_url, smtp_server)
    with app.session() as session:
        set_paused(session, "held-back", True, FOLLOW_UP_DUE)
    run_once(app, FOLLOW_UP_DUE)
    with app.session() as session:
        set_paused(session, "held-back", False, FOLLOW_UP_DUE + timedelta(days=1))

    for hours in (24, 25, 48):
        run_once(app, FOLLOW_UP_DUE + timedelta(hours=hours))

    outbox = messages(app)
    assert [m.state for m in outbox] == ["sent"] * 8
    received = received_ids(smtp_server)
    assert len(received) == 8
    assert sorted(received) == sorted(m.message_id for m in outbox)


def approval_campaign(
    workspace: Path, database_url: str, server: SmtpTestServer, creators: int = 3
) -> App:
    """A campaign whose proposals need approval; they are drafts after the first run."""
    app = make_app(workspace, database_url, server)
    spec = write_campaign(workspace, "serum", require_approval=True,
                          steps=[("pitch", "0d"), ("nudge", "2d")])  # fmt: skip
    for number in range(1, creators + 1):
        add_creator(app, f"creator{number}")
    enroll_in(app, spec, MONDAY)
    run_once(app, MONDAY)
    return app


def draft_id(app: App, handle: str) -> int:
    [message] = messages(app, to_address=f"{handle}@mail.example", step=1)
    assert message.id is not None
    return message.id


def test_proposals_that_need_approval_wait_as_drafts(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = approval_campaign(workspace, database_url, smtp_server)

    run_once(app, MONDAY + timedelta(days=3))

    assert [(m.step, m.state) for m in messages(app)] == [(1, "draft")] * 3
    assert smtp_server.messages == []


def test_approving_one_draft_sends_only_that_one(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = approval_campaign(workspace, database_url, smtp_server)
    later = MONDAY + timedelta(hours=1)
    with app.session() as session:
        assert approve(session, draft_id(app, "creator2"), later) == 1

    run_once(app, later)

    assert [m.state for m in messages(app)] == ["draft", "sent", "draft"]
    assert list(received_by(smtp_server)) == ["creator2@mail.example"]


def test_approving_all_drafts_sends_each_once(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = approval_campaign(workspace, database_url, smtp_server)
    later = MONDAY + timedelta(hours=1)
    with app.session() as session:
        assert approve(session, None, later) == 3

    run_once(app, later)
    run_once(app, later + timedelta(minutes=5))

    assert [m.state for m in messages(app)] == ["sent"] * 3
    assert sorted(received_ids(smtp_server)) == sorted(m.message_id for m in messages(app))


def test_skipping_a_draft_ends_that_creators_sequence(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = approval_campaign(workspace, database_url, smtp_server, creators=2)
    later = MONDAY + timedelta(hours=1)
    with app.session() as session:
        assert approve(session, draft_id(app, "creator1"), later, skip=True) == 1
        assert approve(session, None, later) == 1

    for days in (0, 2, 3, 5):
        run_once(app, later + timedelta(days=days))

    assert [(m.to_address, m.step, m.state) for m in messages(app)] == [
        ("creator1@mail.example", 1, "skipped"),
        ("creator2@mail.example", 1, "sent"),
        ("creator2@mail.example", 2, "sent"),
    ]
    ended = enrollment_of(app, messages(app)[0].creator_id, "serum")
    assert (ended.state, ended.end_reason) == ("stopped", "proposal skipped by a person")
    assert "creator1@mail.example" not in received_by(smtp_server)


def test_the_follow_up_of_an_approved_proposal_goes_out_without_approval(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app = approval_campaign(workspace, database_url, smtp_server, creators=1)
    approved_at = MONDAY + timedelta(hours=1)
    with app.session() as session:
        approve(session, None, approved_at)
    run_once(app, approved_at)

    run_once(app, approved_at + timedelta(days=2))

    [proposal, follow_up] = messages(app)
    assert (follow_up.step, follow_up.state) == (2, "sent")
    assert follow_up.sent_at == approved_at + timedelta(days=2)
    assert follow_up.in_reply_to == proposal.message_id
    subjects = ["Rice Bran Serum for Creator1", "Re: Rice Bran Serum for Creator1"]
    assert received_by(smtp_server) == {"creator1@mail.example": subjects}
