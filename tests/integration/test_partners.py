"""Past partners ranked from the history, and campaigns that prefer them, on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from outreach.adapters.models import (
    Agreement,
    ContentItem,
    Creator,
    Enrollment,
    Inbound,
    RightsGrant,
)
from outreach.services.app import App
from outreach.services.enrollment import EnrollmentPlan
from outreach.services.partners import Partner, rank_partners, set_ambassador
from outreach.services.suppressions import add_suppression
from tests.campaign_helpers import MONDAY, add_creator, enroll_in, make_app, write_campaign

DUE = date(2026, 9, 30)  # MONDAY is 2026-10-19: every due date here has passed


def add_rows(app: App, *rows: Any) -> None:
    with app.session() as session:
        session.add_all(rows)
        session.commit()


def enrolment(creator: Creator, campaign: str, state: str) -> Enrollment:
    assert creator.id is not None
    then = MONDAY - timedelta(days=60)
    return Enrollment(
        campaign=campaign, creator_id=creator.id, state=state, created_at=then, updated_at=then
    )


def agreement(creator: Creator, campaign: str, due_on: date | None = DUE) -> Agreement:
    assert creator.id is not None
    return Agreement(
        creator_id=creator.id, campaign=campaign, offer="gifted", due_on=due_on, agreed_at=MONDAY
    )


def post(creator: Creator, campaign: str, posted_on: date) -> ContentItem:
    assert creator.id is not None
    url = f"https://instagram.example/{creator.handle}/{campaign}"
    return ContentItem(
        creator_id=creator.id, campaign=campaign, url=url, posted_on=posted_on, recorded_at=MONDAY
    )


def grant(creator: Creator, campaign: str) -> RightsGrant:
    assert creator.id is not None
    return RightsGrant(
        creator_id=creator.id, campaign=campaign, content_url=f"https://x.example/{campaign}",
        channels=["ads"], starts_on=DUE, ends_on=DUE + timedelta(days=90), granted_at=MONDAY,
    )  # fmt: skip


def reply(creator: Creator, uid: int, label: str) -> Inbound:
    return Inbound(
        mailbox="luna@glowlab.example", uidvalidity=1, uid=uid, kind="reply", label=label,
        creator_id=creator.id, received_at=MONDAY - timedelta(days=50),
    )  # fmt: skip


def add_history(app: App) -> dict[str, Creator]:
    """A great partner, a late one, a decliner, a silent one, and two who must never show."""
    made = {
        handle: add_creator(app, handle, **fields)
        for handle, fields in [
            ("stranger", {}),
            ("great", {}),
            ("late", {"niches": ["gaming"]}),
            ("decliner", {}),
            ("silent", {}),
            ("gone", {"status": "opted_out"}),
            ("blocked", {"email": "blocked@agency.example"}),
        ]
    }
    great, late = made["great"], made["late"]
    add_rows(
        app,
        enrolment(great, "spring", "replied"),
        enrolment(great, "summer", "replied"),
        agreement(great, "spring"),
        agreement(great, "summer"),
        post(great, "spring", DUE - timedelta(days=3)),
        post(great, "summer", DUE),
        grant(great, "spring"),
        enrolment(late, "spring", "replied"),
        agreement(late, "spring"),
        post(late, "spring", DUE + timedelta(days=2)),
        enrolment(made["decliner"], "spring", "replied"),
        reply(made["decliner"], 1, "declined"),
        enrolment(made["silent"], "spring", "completed"),
    )
    for handle in ("gone", "blocked"):  # as good as the best: only the exclusion keeps them out
        creator = made[handle]
        add_rows(app, enrolment(creator, "spring", "replied"), agreement(creator, "spring"),
                 post(creator, "spring", DUE))  # fmt: skip
    with app.session() as session:
        add_suppression(session, "@agency.example", "agency asked us to stop", MONDAY)
        session.commit()
    return made


def ranked(app: App, **kwargs: Any) -> list[Partner]:
    with app.session() as session:
        return rank_partners(session, MONDAY, **kwargs)


def scores(partners: list[Partner]) -> list[tuple[str, int]]:
    return [(p.handle, p.score.points) for p in partners]


def test_partners_are_ranked_with_reasons_and_blocked_creators_never_show(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    add_history(app)

    partners = ranked(app)

    assert scores(partners) == [("great", 25), ("late", 7), ("silent", -1), ("decliner", -2)]
    best = partners[0].as_json()
    assert best == {
        "handle": "great",
        "platform": "instagram",
        "name": "Great Tester",
        "email": "great@mail.example",
        "score": 25,
        "ambassador": False,
        "campaigns": 2,
        "agreements": 2,
        "reasons": [
            "+4 replied in 2 campaigns",
            "+6 accepted in 2 campaigns",
            "+10 delivered content on time (2 of 2)",
            "+3 content re-used (1 rights grant)",
            "+2 repeat partner (2 campaigns)",
        ],
    }
    assert [p.score.reasons for p in partners[1:]] == [
        ("+2 replied in 1 campaign", "+3 accepted in 1 campaign",
         "+2 delivered content late (1 of 1)"),
        ("-1 silent in 1 campaign",),
        ("+2 replied in 1 campaign", "-4 declined once"),
    ]  # fmt: skip


def test_an_agreement_past_due_with_nothing_posted_counts_against_and_adds_a_campaign(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    creator = add_creator(app, "ghost")
    add_rows(app, agreement(creator, "spring"), agreement(creator, "summer", due_on=None))

    [partner] = ranked(app)

    assert partner.campaigns == 2
    assert partner.score.reasons == (
        "+6 accepted in 2 campaigns",
        "-3 nothing posted by the due date (1 of 2)",
        "+2 repeat partner (2 campaigns)",
    )


def test_for_a_campaign_only_fitting_creators_not_yet_enrolled_are_listed(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    made = add_history(app)
    spec = write_campaign(workspace, "autumn", selection={"niches": ["skincare"]})
    add_rows(app, enrolment(made["silent"], "autumn", "active"))

    assert scores(ranked(app, campaign=spec)) == [("great", 25), ("decliner", -2)]


def test_an_ambassador_gets_the_bonus_and_wins_a_tie(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    first = add_creator(app, "first")
    second = add_creator(app, "second")
    add_rows(app, enrolment(first, "spring", "replied"), enrolment(second, "spring", "replied"))
    with app.session() as session:
        creator = session.get(Creator, second.id)
        assert creator is not None
        assert set_ambassador(session, creator, True, MONDAY) is True
        assert set_ambassador(session, creator, True, MONDAY) is False

    partners = ranked(app)

    assert scores(partners) == [("second", 12), ("first", 2)]
    assert partners[0].score.reasons == ("+2 replied in 1 campaign", "+10 ambassador")
    with app.session() as session:
        creator = session.get(Creator, second.id)
        assert creator is not None
        set_ambassador(session, creator, False, MONDAY)
    # Equal scores: the older creator first, every time.
    assert scores(ranked(app)) == [("first", 2), ("second", 2)]


def enrolled_order(app: App, campaign: str) -> list[str]:
    statement = (
        select(Creator.handle)
        .join(Enrollment, col(Enrollment.creator_id) == col(Creator.id))
        .where(Enrollment.campaign == campaign)
        .order_by(col(Enrollment.id))
    )
    with app.session() as session:
        return list(session.exec(statement))


def left_out(plan: EnrollmentPlan) -> dict[str, str]:
    return {creator.handle: reason for creator, reason in plan.left_out}


def test_max_creators_with_prefer_partners_enrols_the_best_partners_and_names_the_rest(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    add_history(app)
    spec = write_campaign(
        workspace, "autumn", selection={"prefer_partners": True, "max_creators": 3}
    )

    plan = enroll_in(app, spec, MONDAY)

    # The stranger (0) goes before the silent one (-1) and the decliner (-2).
    assert [c.handle for c in plan.enrolled] == ["great", "late", "stranger"]
    assert left_out(plan) == {
        "blocked": "suppressed (@agency.example: agency asked us to stop)",
        "gone": "opted out",
        "silent": "over max_creators (3)",
        "decliner": "over max_creators (3)",
    }
    assert enrolled_order(app, "autumn") == ["great", "late", "stranger"]
    again = enroll_in(app, spec, MONDAY + timedelta(hours=1))
    assert again.enrolled == []
    assert left_out(again)["silent"] == "over max_creators (3)"


def test_max_creators_alone_enrols_the_first_imported(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    for handle in ("zoe", "amy", "mia"):
        add_creator(app, handle)
    spec = write_campaign(workspace, "autumn", selection={"max_creators": 2})

    plan = enroll_in(app, spec, MONDAY)

    assert [c.handle for c in plan.enrolled] == ["zoe", "amy"]
    assert left_out(plan) == {"mia": "over max_creators (2)"}


def test_max_creators_takes_the_best_fit_first_with_the_reasons(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    add_creator(app, "volume", followers=95_000, engagement_rate=0.9)  # big, little engagement
    add_creator(app, "nearly", niches=["haircare", "skincare"], engagement_rate=3.0)
    add_creator(app, "best", niches=["skincare", "vegan"], engagement_rate=5.5)
    spec = write_campaign(workspace, "autumn", selection={"niches": ["skincare", "vegan"],
                                                          "max_creators": 2})  # fmt: skip

    plan = enroll_in(app, spec, MONDAY)

    assert [c.handle for c in plan.enrolled] == ["best", "nearly"]
    assert left_out(plan) == {"volume": "over max_creators (2)"}
    best = plan.fit_of(plan.enrolled[0])
    assert best is not None and "niches 2/2 (skincare, vegan)" in best.reasons
    assert enrolled_order(app, "autumn") == ["best", "nearly"]  # planned in that order too


def test_prefer_partners_alone_enrols_everyone_partners_first(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    add_history(app)
    spec = write_campaign(workspace, "autumn", selection={"prefer_partners": True})

    plan = enroll_in(app, spec, MONDAY)

    expected = ["great", "late", "stranger", "silent", "decliner"]
    assert [c.handle for c in plan.enrolled] == expected
    # Enrolment ids follow that order, and the planner takes due enrolments by id.
    assert enrolled_order(app, "autumn") == expected
