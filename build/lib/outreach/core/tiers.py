"""Creator tiers by follower count."""

from outreach.constants import TIER_ABOVE_ALL, TIER_BOUNDS_FOLLOWERS

TIERS = (*(name for name, _ in TIER_BOUNDS_FOLLOWERS), TIER_ABOVE_ALL)


def tier_for(followers: int | None) -> str | None:
    """Tier for a follower count; each bound belongs to the tier above (100,000 is macro)."""
    if followers is None:
        return None
    for name, upper_bound in TIER_BOUNDS_FOLLOWERS:
        if followers < upper_bound:
            return name
    return TIER_ABOVE_ALL
