"""Partner scores: each fact earns its points with one reason; ranking and delivery rules."""

from datetime import date

import pytest

from outreach.core.partner_scores import (
    PartnerFacts,
    PartnerScore,
    delivery,
    ranking_key,
    score_partner,
)

DUE = date(2026, 5, 31)


@pytest.mark.parametrize(
    ("facts", "points", "reasons"),
    [
        (PartnerFacts(), 0, ()),
        (PartnerFacts(replied=1), 2, ("+2 replied in 1 campaign",)),
        (PartnerFacts(replied=2), 4, ("+4 replied in 2 campaigns",)),
        (PartnerFacts(silent=1), -1, ("-1 silent in 1 campaign",)),
        (PartnerFacts(silent=3), -3, ("-3 silent in 3 campaigns",)),
        (
            PartnerFacts(replied=1, declined=1),
            -2,
            ("+2 replied in 1 campaign", "-4 declined once"),
        ),
        (PartnerFacts(declined=2), -8, ("-8 declined twice",)),
        (PartnerFacts(declined=3), -12, ("-12 declined 3 times",)),
        (
            PartnerFacts(accepted=1, on_time=1),
            8,
            ("+3 accepted in 1 campaign", "+5 delivered content on time (1 of 1)"),
        ),
        (
            PartnerFacts(accepted=2, on_time=1, late=1),
            15,
            (
                "+6 accepted in 2 campaigns",
                "+5 delivered content on time (1 of 2)",
                "+2 delivered content late (1 of 2)",
                "+2 repeat partner (2 campaigns)",
            ),
        ),
        (
            PartnerFacts(accepted=1, overdue=1),
            0,
            ("+3 accepted in 1 campaign", "-3 nothing posted by the due date (1 of 1)"),
        ),
        (PartnerFacts(unprompted=1), 3, ("+3 posted unprompted in 1 campaign",)),
        (PartnerFacts(reused=1), 3, ("+3 content re-used (1 rights grant)",)),
        (PartnerFacts(reused=2), 6, ("+6 content re-used (2 rights grants)",)),
        (
            PartnerFacts(accepted=3),
            13,
            ("+9 accepted in 3 campaigns", "+4 repeat partner (3 campaigns)"),
        ),
        (PartnerFacts(ambassador=True), 10, ("+10 ambassador",)),
        (
            PartnerFacts(replied=2, accepted=2, on_time=2, reused=1, silent=1, ambassador=True),
            34,
            (
                "+4 replied in 2 campaigns",
                "+6 accepted in 2 campaigns",
                "+10 delivered content on time (2 of 2)",
                "+3 content re-used (1 rights grant)",
                "+2 repeat partner (2 campaigns)",
                "-1 silent in 1 campaign",
                "+10 ambassador",
            ),
        ),
    ],
)
def test_each_fact_earns_its_points_with_a_reason(
    facts: PartnerFacts, points: int, reasons: tuple[str, ...]
) -> None:
    assert score_partner(facts) == PartnerScore(points, reasons)


def test_a_partner_who_delivered_outranks_a_stranger_who_outranks_a_decliner() -> None:
    delivered = score_partner(PartnerFacts(replied=1, accepted=1, on_time=1)).points
    decliner = score_partner(PartnerFacts(replied=1, declined=1)).points
    silent = score_partner(PartnerFacts(silent=1)).points
    assert delivered > 0 > decliner
    assert 0 > silent > decliner


@pytest.mark.parametrize(
    ("due_on", "first_post", "posted", "outcome"),
    [
        (DUE, date(2026, 5, 30), True, "on_time"),
        (DUE, DUE, True, "on_time"),
        (DUE, date(2026, 6, 1), True, "late"),
        (None, date(2026, 6, 1), True, "on_time"),  # no due date: nothing to miss
        (DUE, None, True, "on_time"),  # post date unknown: not held against the creator
        (DUE, None, False, "overdue"),  # today is after the due date
        (date(2026, 6, 1), None, False, "pending"),  # the due date is today
        (None, None, False, "pending"),
    ],
)
def test_delivery_of_one_agreed_campaign(
    due_on: date | None, first_post: date | None, posted: bool, outcome: str
) -> None:
    assert delivery(due_on, first_post, posted, today=date(2026, 6, 1)) == outcome


def test_ranking_puts_higher_scores_then_ambassadors_then_older_creators_first() -> None:
    rows = [(5, False, 3), (5, True, 4), (8, False, 9), (5, False, 1), (-1, True, 2)]
    ordered = sorted(rows, key=lambda row: ranking_key(*row))
    assert ordered == [(8, False, 9), (5, True, 4), (5, False, 1), (5, False, 3), (-1, True, 2)]
