"""Bad campaign data holds one creator's step, names the problem, and never stops the others."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from outreach.adapters.models import Creator
from outreach.services.app import App
from outreach.services.outbox_admin import resolve
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    history,
    make_app,
    messages,
    received_by,
    run_once,
    write_campaign,
)
from tests.smtp_server import SmtpTestServer

pytestmark = pytest.mark.usefixtures("trust_test_ca")

MISSING_POST = (
    "template 'pitch_post (en)' for creator @ben: field 'recent_post': the creator has no "
    "value for it; nothing was sent. Fill in 'recent_post' for @ben (contacts import) or "
    "change the template."
)


def ben_is_held(workspace: Path, database_url: str, server: SmtpTestServer) -> tuple[App, Creator]:
    app = make_app(workspace, database_url, server)
    spec = write_campaign(workspace, "serum", steps=[("pitch_post", "0d"), ("nudge", "4d")])
    add_creator(app, "ana", recent_post="a rainy-day routine")
    ben = add_creator(app, "ben", recent_post=None)
    add_creator(app, "cleo", recent_post="layering serums")
    enroll_in(app, spec, MONDAY)
    run_once(app, MONDAY)
    return app, ben


def test_a_missing_value_holds_that_creators_step_while_the_others_go_out(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ben = ben_is_held(workspace, database_url, smtp_server)

    [held] = messages(app, creator_id=ben.id)
    assert (held.state, held.step, held.template, held.last_error) == (
        "held", 1, "pitch_post", MISSING_POST,
    )  # fmt: skip
    assert history(app, ben)[-1] == ("held", f"step 1 held: {MISSING_POST}")
    assert sorted(received_by(smtp_server)) == ["ana@mail.example", "cleo@mail.example"]


def test_a_held_step_stays_held_on_later_runs(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ben = ben_is_held(workspace, database_url, smtp_server)

    for days in (1, 4, 8):
        run_once(app, MONDAY + timedelta(days=days))

    assert [m.state for m in messages(app, creator_id=ben.id)] == ["held"]
    assert "ben@mail.example" not in received_by(smtp_server)


def test_fixing_the_creator_and_resending_plans_and_sends_the_held_step(
    workspace: Path, database_url: str, smtp_server: SmtpTestServer
) -> None:
    app, ben = ben_is_held(workspace, database_url, smtp_server)
    [held] = messages(app, creator_id=ben.id)
    assert held.id is not None
    fixed_at = MONDAY + timedelta(hours=2)
    with app.session() as session:
        creator = session.get(Creator, ben.id)
        assert creator is not None
        creator.recent_post = "a five-minute morning routine"
        session.add(creator)
        session.commit()
        resolve(session, held.id, False, fixed_at)

    run_once(app, fixed_at)
    run_once(app, fixed_at + timedelta(minutes=5))

    [sent] = messages(app, creator_id=ben.id)
    assert (sent.step, sent.state, sent.sent_at) == (1, "sent", fixed_at)
    assert "I loved your post about a five-minute morning routine." in sent.body_text
    assert received_by(smtp_server)["ben@mail.example"] == ["About your post, Ben"]
