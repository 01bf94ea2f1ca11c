"""Relationship steps on SQLite and PostgreSQL: timed from events and dates, sent once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from outreach.adapters.campaign_files import load_campaign_file
from outreach.adapters.models import Creator, CreatorStatus, Enrollment, Message
from outreach.core.campaign_spec import CampaignSpec
from outreach.services.app import App
from outreach.services.relationship_steps import plan_relationship_steps
from outreach.services.relationships import (
    RightsRequest,
    add_content,
    grant_rights,
    record_agreement,
    record_delivery,
    record_shipment,
)
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    history,
    make_app,
    messages,
    run_once,
    write_campaign,
)
from tests.smtp_server import SmtpTestServer

STEPS = """
[[relationship_steps]]
template = "check_in"
after = "delivered"
delay = "3d"
[[relationship_steps]]
template = "due_reminder"
before = "due"
delay = "2d"
[[relationship_steps]]
template = "rights_renewal"
before = "rights_end"
delay = "14d"
"""
URL = "https://www.instagram.com/p/abc123/"


def setup(workspace: Path, database_url: str, server: SmtpTestServer) -> tuple[App, CampaignSpec]:
    """A campaign with one proposal step and the three relationship steps; one creator sent it."""
    app = make_app(workspace, database_url, server)
    write_campaign(workspace, "serum", steps=(("pitch", "0d"),))
    path = workspace / "schedules" / "serum.toml"
    path.write_text(path.read_text() + STEPS)
    spec = load_campaign_file(path)
    add_creator(app, "mika")
    enroll_in(app, spec, MONDAY)
    run_once(app, MONDAY)
    return app, spec


def creator(app: App) -> Creator:
    with app.session() as session:
        return session.exec(select(Creator)).one()


def ticks(app: App, start: datetime, days: int, every_hours: int = 6) -> None:
    for hour in range(0, days * 24, every_hours):
        run_once(app, start + timedelta(hours=hour))


def sent(app: App, template: str) -> list[Message]:
    return messages(app, template=template, state="sent")


def test_check_in_goes_once_after_delivery_even_to_a_creator_who_replied(
    workspace: Path, database_url: str
) -> None:
    with SmtpTestServer(security="none") as server:
        app, spec = setup(workspace, database_url, server)
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            mika.status = CreatorStatus.REPLIED.value
            enrollment = session.exec(select(Enrollment)).one()
            enrollment.state, enrollment.next_due_at = "replied", None
            session.add_all([mika, enrollment])
            session.commit()
            record_delivery(session, mika, "serum", date(2026, 10, 20), MONDAY + timedelta(days=1))
        # Delivered 2026-10-20 in Los Angeles (07:00 UTC): the check-in is due 3 days later.
        ticks(app, MONDAY + timedelta(days=1), days=3, every_hours=3)
        assert sent(app, "check_in") == []
        ticks(app, MONDAY + timedelta(days=4, hours=7), days=4, every_hours=2)
        [check_in] = sent(app, "check_in")
        [pitch] = sent(app, "pitch")
        assert check_in.sent_at == MONDAY + timedelta(days=4, hours=7)
        assert check_in.in_reply_to == pitch.message_id
        assert check_in.references == pitch.message_id
        assert check_in.subject.startswith("Re: ")
        assert len(server.messages) == 2
        assert plan_relationship_steps(app, {"serum": spec}, MONDAY + timedelta(days=5)).total == 0


def test_due_reminder_is_cancelled_once_the_content_is_posted(
    workspace: Path, database_url: str
) -> None:
    with SmtpTestServer(security="none") as server:
        app, _ = setup(workspace, database_url, server)
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            record_agreement(session, mika, "serum", "gifted", None, None, date(2026, 10, 30),
                             MONDAY)  # fmt: skip
            add_content(session, mika, URL, "serum", date(2026, 10, 25), MONDAY + timedelta(6))
        ticks(app, MONDAY + timedelta(days=6), days=6)
        assert sent(app, "due_reminder") == []
        [row] = messages(app, template="due_reminder")
        assert (row.state, row.last_error) == ("cancelled", "content already posted")
        assert ("step_cancelled",
                "'due_reminder' (due) in 'serum' not sent: content already posted"
                ) in history(app, creator(app))  # fmt: skip
        assert len(server.messages) == 1


def test_due_reminder_goes_two_days_before_the_due_date(workspace: Path, database_url: str) -> None:
    with SmtpTestServer(security="none") as server:
        app, _ = setup(workspace, database_url, server)
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            record_agreement(session, mika, "serum", "gifted", None, None, date(2026, 10, 30),
                             MONDAY)  # fmt: skip
        ticks(app, MONDAY + timedelta(days=6), days=6)
        [reminder] = sent(app, "due_reminder")
        # 2026-10-30 00:00 in Los Angeles is 07:00 UTC; two days before, at the next tick.
        assert reminder.sent_at == datetime(2026, 10, 28, 12, 0, tzinfo=MONDAY.tzinfo)
        assert len(server.messages) == 2


def test_rights_renewal_goes_before_the_end_unless_already_renewed(
    workspace: Path, database_url: str
) -> None:
    with SmtpTestServer(security="none") as server:
        app, _ = setup(workspace, database_url, server)
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            add_content(session, mika, URL, "serum", date(2026, 10, 22), MONDAY)
            grant = RightsRequest(URL, ["ads"], ["US"], date(2026, 10, 22), date(2026, 11, 20))
            grant_rights(session, mika, grant, MONDAY)
            # A second post's rights, already renewed by a later grant: no renewal request.
            other = RightsRequest(URL + "2", ["ads"], [], date(2026, 10, 22), date(2026, 11, 20),
                                  campaign="serum")  # fmt: skip
            grant_rights(session, mika, other, MONDAY)
            renewal = RightsRequest(URL + "2", ["ads"], [], date(2026, 11, 20), date(2027, 5, 20),
                                    campaign="serum")  # fmt: skip
            grant_rights(session, mika, renewal, MONDAY + timedelta(days=1))
        ticks(app, datetime(2026, 11, 4, tzinfo=MONDAY.tzinfo), days=4)
        [sent_renewal] = sent(app, "rights_renewal")
        # 2026-11-20 00:00 in Los Angeles (PST) is 08:00 UTC; 14 days before, at the next tick.
        assert sent_renewal.sent_at == datetime(2026, 11, 6, 12, 0, tzinfo=MONDAY.tzinfo)
        states = sorted(m.state for m in messages(app, template="rights_renewal"))
        assert states == ["cancelled", "sent"]
        assert len(server.messages) == 2


def test_a_delivery_recorded_weeks_late_is_skipped_not_sent_late(
    workspace: Path, database_url: str
) -> None:
    with SmtpTestServer(security="none") as server:
        app, _ = setup(workspace, database_url, server)
        late = MONDAY + timedelta(days=21)
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            record_shipment(session, mika, "serum", None, None, MONDAY)
            record_delivery(session, mika, "serum", date(2026, 10, 20), late)
        ticks(app, late, days=2)
        assert sent(app, "check_in") == []
        [row] = messages(app, template="check_in")
        assert row.state == "skipped"
        skipped = [event for event in history(app, creator(app))
                   if event[0] == "step_skipped"]  # fmt: skip
        assert skipped == [
            ("step_skipped", "'check_in' (delivered) in 'serum' not sent: "
             "due 2026-10-23 07:00 UTC, too late to send now"),
        ]  # fmt: skip
        assert len(server.messages) == 1


def test_an_opted_out_creator_gets_nothing(workspace: Path, database_url: str) -> None:
    with SmtpTestServer(security="none") as server:
        app, _ = setup(workspace, database_url, server)
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            record_delivery(session, mika, "serum", date(2026, 10, 20), MONDAY + timedelta(1))
            record_agreement(session, mika, "serum", "gifted", None, None, date(2026, 10, 30),
                             MONDAY)  # fmt: skip
            mika.status = CreatorStatus.OPTED_OUT.value
            session.add(mika)
            session.commit()
        ticks(app, MONDAY + timedelta(days=1), days=12)
        assert [m.template for m in messages(app)] == ["pitch"]
        assert len(server.messages) == 1


def test_a_queued_step_is_cancelled_at_sending_when_the_creator_opts_out_meanwhile(
    workspace: Path, database_url: str
) -> None:
    with SmtpTestServer(security="none") as server:
        app, spec = setup(workspace, database_url, server)
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            record_delivery(session, mika, "serum", date(2026, 10, 20), MONDAY + timedelta(1))
        due = MONDAY + timedelta(days=4, hours=8)
        assert plan_relationship_steps(app, {"serum": spec}, due).planned == 1
        with app.session() as session:
            mika = session.exec(select(Creator)).one()
            mika.status = CreatorStatus.OPTED_OUT.value
            session.add(mika)
            session.commit()
        run_once(app, due)
        [row] = messages(app, template="check_in")
        assert row.state == "cancelled"
        assert len(server.messages) == 1


def test_the_occasion_key_is_unique_in_the_database(workspace: Path, database_url: str) -> None:
    with SmtpTestServer(security="none") as server:
        app, _ = setup(workspace, database_url, server)
        [pitch] = messages(app)
        with app.session() as session:
            for number in (1, 2):
                copy = Message(
                    **pitch.model_dump(exclude={"id", "message_id", "occasion"}),
                    message_id=f"<copy-{number}@x>", occasion="rel:1:check_in:delivered:1",
                )  # fmt: skip
                session.add(copy)
            with pytest.raises(IntegrityError):
                session.commit()
