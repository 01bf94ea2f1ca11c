"""Enrolment: who joins a campaign, who is left out and exactly why, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from outreach.adapters.models import Creator, Enrollment, Event, Message
from outreach.services.app import App
from outreach.services.enrollment import EnrollmentPlan, plan_enrollment
from outreach.services.replies import ReplyKind, record_reply
from outreach.services.suppressions import add_suppression
from tests.campaign_helpers import (
    COOL_OFF_DAYS,
    MONDAY,
    add_creator,
    enroll_in,
    make_app,
    messages,
    run_once,
    write_campaign,
)

SELECTION = {
    "niches": ["skincare", "vegan"],
    "platforms": ["instagram", "tiktok"],
    "min_followers": 1000,
    "max_followers": 100000,
    "min_engagement_rate": 2.0,
    "languages": ["en", "ja"],
    "countries": ["US", "JP"],
}


def left_out(plan: EnrollmentPlan) -> dict[str, str]:
    return {creator.handle: reason for creator, reason in plan.left_out}


def handles(creators: list[Creator]) -> list[str]:
    return [creator.handle for creator in creators]


def table_counts(app: App) -> tuple[int, int, int]:
    with app.session() as session:
        return (
            len(list(session.exec(select(Enrollment)))),
            len(list(session.exec(select(Event)))),
            len(list(session.exec(select(Message)))),
        )


def test_selection_enrols_who_fits_and_names_every_criterion_missed(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum", selection=SELECTION)
    add_creator(app, "fits")
    add_creator(app, "hair", niches=["haircare"])
    add_creator(app, "youtuber", platform="youtube")
    add_creator(app, "tiny", followers=800)
    add_creator(app, "huge", followers=250_000)
    add_creator(app, "quiet", engagement_rate=1.5)
    add_creator(app, "korean", language="ko", country="KR", timezone="Asia/Seoul")
    add_creator(app, "unknown", followers=None, engagement_rate=None)

    plan = enroll_in(app, spec, MONDAY)

    assert handles(plan.enrolled) == ["fits"]
    assert left_out(plan) == {
        "hair": "niches ['haircare'] not in ['skincare', 'vegan']",
        "huge": "250,000 followers is above 100,000",
        "korean": "language ko not in ['en', 'ja']; country KR not in ['US', 'JP']",
        "quiet": "engagement rate 1.5% is below 2%",
        "tiny": "800 followers is below 1,000",
        "unknown": "follower count unknown; engagement rate unknown is below 2%",
        "youtuber": "platform youtube not in ['instagram', 'tiktok']",
    }


def test_a_suppressed_address_and_a_suppressed_domain_are_left_out_naming_the_entry(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum")
    add_creator(app, "anna", email="anna@mail.example")
    add_creator(app, "ben", email="ben@blocked.example")
    add_creator(app, "cleo", email="cleo@mail.example")
    with app.session() as session:
        add_suppression(session, "Anna@Mail.example", "asked by phone", MONDAY)
        add_suppression(session, "@blocked.example", "agency forbids contact", MONDAY)
        session.commit()

    plan = enroll_in(app, spec, MONDAY)

    assert handles(plan.enrolled) == ["cleo"]
    assert left_out(plan) == {
        "anna": "suppressed (anna@mail.example: asked by phone)",
        "ben": "suppressed (@blocked.example: agency forbids contact)",
    }


def test_bounced_and_opted_out_creators_are_left_out(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum")
    add_creator(app, "bounced", status="bounced")
    add_creator(app, "gone", status="opted_out")
    add_creator(app, "keen", status="contacted")

    plan = enroll_in(app, spec, MONDAY)

    assert handles(plan.enrolled) == ["keen"]
    assert left_out(plan) == {"bounced": "address bounced", "gone": "opted out"}


def test_a_creator_active_in_another_campaign_is_left_out(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    first = write_campaign(workspace, "first")
    second = write_campaign(workspace, "second")
    add_creator(app, "busy")
    enroll_in(app, first, MONDAY)
    add_creator(app, "free")

    plan = enroll_in(app, second, MONDAY)

    assert handles(plan.enrolled) == ["free"]
    assert left_out(plan) == {"busy": "active in campaign 'first'"}


def test_a_creator_contacted_by_another_campaign_within_the_cool_off_is_left_out(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    first = write_campaign(workspace, "first", steps=[("pitch", "0d")])
    second = write_campaign(workspace, "second")
    add_creator(app, "mia")
    enroll_in(app, first, MONDAY)
    run_once(app, MONDAY)  # the one-step sequence is sent and completed
    assert [m.state for m in messages(app)] == ["sent"]

    plan = enroll_in(app, second, MONDAY + timedelta(days=COOL_OFF_DAYS - 1))

    assert plan.enrolled == []
    assert left_out(plan) == {"mia": "contacted by another campaign in the last 90 days"}


def test_a_creator_contacted_before_the_cool_off_is_enrolled_again(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    first = write_campaign(workspace, "first", steps=[("pitch", "0d")])
    second = write_campaign(workspace, "second")
    add_creator(app, "mia")
    enroll_in(app, first, MONDAY)
    run_once(app, MONDAY)

    plan = enroll_in(app, second, MONDAY + timedelta(days=COOL_OFF_DAYS, minutes=1))

    assert handles(plan.enrolled) == ["mia"]
    assert plan.left_out == []


def test_a_dry_run_reports_the_plan_and_changes_nothing(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum", selection={"niches": ["skincare"]})
    add_creator(app, "in")
    add_creator(app, "out", niches=["gaming"])
    before = table_counts(app)

    with app.session() as session:
        plan = plan_enrollment(session, spec, MONDAY, COOL_OFF_DAYS)

    assert handles(plan.enrolled) == ["in"]
    assert left_out(plan) == {"out": "niches ['gaming'] not in ['skincare']"}
    assert table_counts(app) == before


def test_enrolling_twice_changes_nothing(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum")
    add_creator(app, "anna")
    add_creator(app, "ben")
    first = enroll_in(app, spec, MONDAY)
    after_first = table_counts(app)

    second = enroll_in(app, spec, MONDAY + timedelta(hours=1))

    assert handles(first.enrolled) == ["anna", "ben"]
    assert second.enrolled == []
    assert handles(second.already) == ["anna", "ben"]
    assert table_counts(app) == after_first


def test_a_creator_who_replied_elsewhere_is_left_out_once_opted_out(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    first = write_campaign(workspace, "first")
    second = write_campaign(workspace, "second")
    creator = add_creator(app, "nora")
    enroll_in(app, first, MONDAY)
    with app.session() as session:
        record_reply(session, creator, ReplyKind.OPT_OUT, MONDAY, "reply said stop")
        session.commit()

    plan = enroll_in(app, second, MONDAY)

    assert plan.enrolled == []
    assert left_out(plan) == {"nora": "suppressed (nora@mail.example: opted out (reply said stop))"}
