"""How well a creator fits a campaign, 0-100, with the reasons: selection by fit, not volume.

The parts and their weights: niche overlap 35, engagement against what is typical for the
creator's follower band 30, past partnership 15, follower band 10, language and country 10.

Typical engagement (likes and comments per post over followers, Instagram): round figures
inside the ranges that 2024-2026 benchmark reports publish per follower band (HypeAuditor's
State of Influencer Marketing, Influencer Marketing Hub's benchmark report and the like, which
agree on the shape: the rate falls as accounts grow, from roughly 4-9% under 1,000 followers
to under 1.2% above a million). TikTok runs about twice Instagram at every band, so its
typical figures are doubled. They are a yardstick, not a law: the score caps the ratio at 2x.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# (upper bound of followers, exclusive; typical engagement rate in percent), Instagram.
TYPICAL_ENGAGEMENT = (
    (1_000, 6.0),
    (10_000, 4.0),
    (100_000, 2.5),
    (1_000_000, 1.5),
    (None, 0.8),
)
PLATFORM_FACTOR = {"tiktok": 2.0}
# Seeding works best with creators small enough to answer their comments.
TIER_PREFERENCE = {"micro": 1.0, "nano": 0.6, "macro": 0.5, "mega": 0.2}
WEIGHTS = {"niches": 35, "engagement": 30, "partner": 15, "band": 10, "match": 10}
_RATIO_CAP = 2.0


@dataclass(frozen=True)
class FitInput:
    """What the score reads of one creator and one campaign."""

    niches: Sequence[str]
    wanted_niches: Sequence[str]
    followers: int | None
    tier: str | None
    engagement_rate: float | None  # percent
    platform: str | None
    language: str | None
    wanted_languages: Sequence[str]
    country: str | None
    wanted_countries: Sequence[str]
    partner_points: int | None  # None: never a partner
    ambassador: bool = False


@dataclass(frozen=True)
class Fit:
    """A fit score and the reasons behind it, one short phrase per part."""

    score: int
    reasons: tuple[str, ...]


def typical_engagement(followers: int, platform: str | None) -> float:
    """The typical engagement rate (percent) for this many followers on this platform."""
    factor = PLATFORM_FACTOR.get((platform or "").lower(), 1.0)
    for upper, rate in TYPICAL_ENGAGEMENT:
        if upper is None or followers < upper:
            return rate * factor
    raise AssertionError("the last band has no upper bound")


def score_fit(facts: FitInput) -> Fit:
    """The fit of one creator for one campaign, 0-100, with why."""
    parts = [_niches(facts), _engagement(facts), _partner(facts), _band(facts), _match(facts)]
    total = sum(WEIGHTS[name] * value for name, value, _ in parts)
    return Fit(round(total), tuple(reason for _, _, reason in parts if reason))


def _niches(facts: FitInput) -> tuple[str, float, str]:
    wanted = {n.lower() for n in facts.wanted_niches}
    if not wanted:
        return "niches", 0.5, "no niches asked for"
    shared = sorted(wanted & {n.lower() for n in facts.niches})
    return (
        "niches",
        len(shared) / len(wanted),
        (f"niches {len(shared)}/{len(wanted)} ({', '.join(shared) or 'none'})"),
    )


def _engagement(facts: FitInput) -> tuple[str, float, str]:
    if facts.engagement_rate is None or not facts.followers:
        return "engagement", 0.25, "engagement unknown"
    typical = typical_engagement(facts.followers, facts.platform)
    ratio = facts.engagement_rate / typical
    return (
        "engagement",
        min(ratio, _RATIO_CAP) / _RATIO_CAP,
        (f"engagement {facts.engagement_rate:g}% = {ratio:.1f}x typical ({typical:g}%)"),
    )


def _partner(facts: FitInput) -> tuple[str, float, str]:
    if facts.ambassador:
        return "partner", 1.0, "ambassador"
    if facts.partner_points is None:
        return "partner", 0.0, ""
    points = max(0, facts.partner_points)
    return "partner", 0.5 + min(points, 100) / 200, f"past partner ({points} points)"


def _band(facts: FitInput) -> tuple[str, float, str]:
    if facts.tier is None or facts.followers is None:
        return "band", 0.3, "followers unknown"
    return "band", TIER_PREFERENCE.get(facts.tier, 0.3), f"{facts.followers:,} followers"


def _match(facts: FitInput) -> tuple[str, float, str]:
    language = _member(facts.language, facts.wanted_languages)
    country = _member(facts.country, facts.wanted_countries)
    shown = "/".join(v for v in (facts.language, facts.country) if v) or "language unknown"
    return "match", (language + country) / 2, shown


def _member(value: str | None, wanted: Sequence[str]) -> float:
    if value is None:
        return 0.0
    if not wanted:
        return 1.0
    return 1.0 if value.casefold() in {w.casefold() for w in wanted} else 0.0
