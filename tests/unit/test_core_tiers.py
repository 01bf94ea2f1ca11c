"""Creator tiers: each follower bound belongs to the tier above it."""

import pytest

from outreach.core.tiers import TIERS, tier_for


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (0, "nano"),
        (999, "nano"),
        (1_000, "micro"),
        (99_999, "micro"),
        (100_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
        (250_000_000, "mega"),
    ],
)
def test_tier_for_puts_each_bound_in_the_tier_above(followers: int, tier: str) -> None:
    assert tier_for(followers) == tier


def test_tier_for_an_unknown_follower_count_is_none() -> None:
    assert tier_for(None) is None


def test_tiers_are_listed_from_smallest_to_largest() -> None:
    assert TIERS == ("nano", "micro", "macro", "mega")
