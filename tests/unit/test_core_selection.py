"""Selection criteria: an empty list means the creator fits; otherwise each reason is named."""

from typing import Any

import pytest

from outreach.core.selection import selection_misses

MISAKI: dict[str, Any] = {
    "handle": "misaki.sato",
    "platform": "instagram",
    "followers": 12_300,
    "engagement_rate": 4.2,
    "niches": ["beauty", "skincare"],
    "language": "ja",
    "country": "JP",
}


def misses(selection: dict[str, Any], **creator: Any) -> list[str]:
    return selection_misses({**MISAKI, **creator}, selection)


def test_no_criteria_fits_everyone() -> None:
    assert selection_misses({"handle": "minji.kim"}, {}) == []


def test_a_creator_meeting_every_criterion_fits() -> None:
    selection = {
        "niches": ["skincare", "vegan"],
        "platforms": ["instagram", "tiktok"],
        "languages": ["ja", "ko"],
        "countries": ["JP", "KR"],
        "min_followers": 10_000,
        "max_followers": 100_000,
        "min_engagement_rate": 3,
    }
    assert misses(selection) == []


@pytest.mark.parametrize(
    ("selection", "creator", "reason"),
    [
        (
            {"niches": ["fashion", "travel"]},
            {},
            "niches ['beauty', 'skincare'] not in ['fashion', 'travel']",
        ),
        ({"niches": ["skincare"]}, {"niches": []}, "niches none not in ['skincare']"),
        (
            {"platforms": ["youtube", "tiktok"]},
            {},
            "platform instagram not in ['youtube', 'tiktok']",
        ),
        ({"platforms": ["youtube"]}, {"platform": ""}, "platform unknown not in ['youtube']"),
        ({"languages": ["ko"]}, {}, "language ja not in ['ko']"),
        ({"languages": ["ja"]}, {"language": None}, "language unknown not in ['ja']"),
        ({"countries": ["KR"]}, {}, "country JP not in ['KR']"),
        ({"min_followers": 50_000}, {}, "12,300 followers is below 50,000"),
        ({"max_followers": 10_000}, {}, "12,300 followers is above 10,000"),
        ({"min_followers": 1_000}, {"followers": None}, "follower count unknown"),
        ({"max_followers": 100_000}, {"followers": None}, "follower count unknown"),
        ({"min_engagement_rate": 5}, {}, "engagement rate 4.2% is below 5%"),
        (
            {"min_engagement_rate": 2.5},
            {"engagement_rate": None},
            "engagement rate unknown is below 2.5%",
        ),
    ],
    ids=[
        "niche",
        "no-niches",
        "platform",
        "no-platform",
        "language",
        "no-language",
        "country",
        "too-few-followers",
        "too-many-followers",
        "unknown-followers-min",
        "unknown-followers-max",
        "low-engagement",
        "unknown-engagement",
    ],
)
def test_each_unmet_criterion_is_a_reason(
    selection: dict[str, Any], creator: dict[str, Any], reason: str
) -> None:
    assert misses(selection, **creator) == [reason]


@pytest.mark.parametrize(
    "selection",
    [
        {"min_followers": 12_300},
        {"max_followers": 12_300},
        {"min_followers": 12_300, "max_followers": 12_300},
        {"min_engagement_rate": 4.2},
    ],
)
def test_bounds_are_inclusive(selection: dict[str, Any]) -> None:
    assert misses(selection) == []


def test_every_unmet_criterion_is_listed_in_order() -> None:
    selection = {
        "niches": ["fitness"],
        "platforms": ["youtube"],
        "languages": ["ko"],
        "countries": ["KR"],
        "min_followers": 50_000,
        "min_engagement_rate": 5,
    }
    assert misses(selection) == [
        "niches ['beauty', 'skincare'] not in ['fitness']",
        "platform instagram not in ['youtube']",
        "language ja not in ['ko']",
        "country JP not in ['KR']",
        "12,300 followers is below 50,000",
        "engagement rate 4.2% is below 5%",
    ]
