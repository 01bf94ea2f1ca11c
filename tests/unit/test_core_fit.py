"""The fit score: niches, engagement against the band's typical rate, partners, band, match."""

from __future__ import annotations

from dataclasses import replace

from outreach.core.fit import FitInput, score_fit, typical_engagement

BASE = FitInput(
    niches=("skincare", "vegan"), wanted_niches=("skincare", "vegan"), followers=20_000,
    tier="micro", engagement_rate=5.0, platform="instagram", language="ja",
    wanted_languages=("ja",), country="JP", wanted_countries=("JP",), partner_points=None,
)  # fmt: skip


def test_typical_engagement_falls_as_accounts_grow_and_doubles_on_tiktok() -> None:
    rates = [typical_engagement(n, "instagram") for n in (500, 5_000, 50_000, 500_000, 5_000_000)]

    assert rates == sorted(rates, reverse=True) == [6.0, 4.0, 2.5, 1.5, 0.8]
    assert typical_engagement(5_000, "tiktok") == 8.0


def test_a_perfect_micro_creator_scores_high_and_says_why() -> None:
    fit = score_fit(BASE)

    assert fit.score == 85  # everything but a past partnership
    assert fit.reasons == (
        "niches 2/2 (skincare, vegan)", "engagement 5% = 2.0x typical (2.5%)",
        "20,000 followers", "ja/JP",
    )  # fmt: skip


def test_each_part_moves_the_score_the_right_way() -> None:
    base = score_fit(BASE).score

    assert score_fit(replace(BASE, niches=("skincare",))).score < base
    assert score_fit(replace(BASE, engagement_rate=1.0)).score < base
    assert score_fit(replace(BASE, engagement_rate=None)).score < base
    assert score_fit(replace(BASE, tier="mega", followers=2_000_000)).score < base
    assert score_fit(replace(BASE, country="US")).score < base
    assert score_fit(replace(BASE, partner_points=40)).score > base
    assert score_fit(replace(BASE, ambassador=True)).score == 100
    # Engagement far above typical counts no more than twice typical: no reward for outliers.
    assert score_fit(replace(BASE, engagement_rate=50.0)).score == base


def test_the_same_rate_is_strong_for_a_big_account_and_weak_for_a_small_one() -> None:
    big = score_fit(replace(BASE, followers=90_000, engagement_rate=3.0))
    small = score_fit(replace(BASE, followers=900, tier="nano", engagement_rate=3.0))

    assert "1.2x typical" in big.reasons[1] and "0.5x typical" in small.reasons[1]
