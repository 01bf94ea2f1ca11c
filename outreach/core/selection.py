"""Whether a creator fits a campaign's [selection] criteria, and if not, why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def selection_misses(creator: Mapping[str, Any], selection: Mapping[str, Any]) -> list[str]:
    """Reasons the creator does not fit; an empty list means it fits."""
    reasons: list[str] = []
    niches = set(creator.get("niches") or [])
    wanted_niches = {str(n).lower() for n in selection.get("niches") or []}
    if wanted_niches and not niches & wanted_niches:
        reasons.append(f"niches {sorted(niches) or 'none'} not in {sorted(wanted_niches)}")
    _check_member(reasons, creator, selection, "platform", "platforms")
    _check_member(reasons, creator, selection, "language", "languages")
    _check_member(reasons, creator, selection, "country", "countries")
    followers = creator.get("followers")
    low, high = selection.get("min_followers"), selection.get("max_followers")
    if (low is not None or high is not None) and followers is None:
        reasons.append("follower count unknown")
    elif low is not None and followers < low:
        reasons.append(f"{followers:,} followers is below {low:,}")
    elif high is not None and followers > high:
        reasons.append(f"{followers:,} followers is above {high:,}")
    rate, minimum = creator.get("engagement_rate"), selection.get("min_engagement_rate")
    if minimum is not None and (rate is None or rate < minimum):
        shown = "unknown" if rate is None else f"{rate:g}%"
        reasons.append(f"engagement rate {shown} is below {minimum:g}%")
    return reasons


def _check_member(
    reasons: list[str],
    creator: Mapping[str, Any],
    selection: Mapping[str, Any],
    field: str,
    key: str,
) -> None:
    allowed = selection.get(key)
    if not allowed:
        return
    value = creator.get(field)
    # Stored values are normalised (countries upper-case, the rest lower-case); campaign
    # files are typed by people.
    if str(value).casefold() not in {str(a).casefold() for a in allowed}:
        reasons.append(f"{field} {value or 'unknown'} not in {list(allowed)}")
