"""Forgetting a creator on SQLite and PostgreSQL: nothing of theirs is left, nothing goes out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from outreach.adapters.models import Suppression
from outreach.errors import SuppressedError
from outreach.services.erasure import forget_creator
from outreach.services.sending import ensure_contactable
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    enrollment_of,
    make_app,
    messages,
    run_once,
    write_campaign,
)


def test_a_forgotten_creator_leaves_no_words_and_their_follow_up_never_goes(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum")
    ana = add_creator(app, "ana", name="Ana Lopez", bio="Skincare nerd in Lisbon")
    add_creator(app, "bo")
    enroll_in(app, spec, MONDAY)
    run_once(app, MONDAY)
    run_once(app, MONDAY + timedelta(days=4))  # the follow-ups are planned and sent

    with app.session() as session:
        report = forget_creator(session, session.merge(ana), workspace, MONDAY + timedelta(days=5))
    with app.session() as session:
        dumped = "\n".join(
            str(row) for table in ("creators", "messages", "events", "enrollments")
            for row in session.execute(text(f"SELECT * FROM {table}"))
        )  # fmt: skip
        entries = [s.address for s in session.exec(select(Suppression))]
        stub = session.merge(ana)
        session.refresh(stub)
        blocked = None
        try:
            ensure_contactable(session, stub)
        except SuppressedError as exc:
            blocked = str(exc)

    # Added again by hand under another handle: the hash of the address still stops her.
    twin = add_creator(app, "ana.again", email="ANA@mail.example")
    with app.session() as session:
        try:
            ensure_contactable(session, session.merge(twin))
            twin_blocked = ""
        except SuppressedError as exc:
            twin_blocked = str(exc)
    assert "forgotten at their request" in twin_blocked
    for trace in ("ana@mail.example", "Ana Lopez", "Lisbon", "Hi Ana"):
        assert trace not in dumped
    assert "bo@mail.example" in dumped  # the others are untouched
    assert report.removed["messages (their words and address)"] == 2
    assert [e for e in entries if e.startswith("erased:")] and "ana@mail.example" not in entries
    assert stub.handle == f"forgotten-{ana.id}" and blocked is not None
    assert enrollment_of(app, ana, "serum").state in ("stopped", "completed")
    assert {m.to_address for m in messages(app, creator_id=ana.id)} == {""}
