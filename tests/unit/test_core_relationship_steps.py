"""Relationship steps: parsing [[relationship_steps]], their timing and their natural keys."""

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from outreach.adapters.campaign_files import load_campaign_file
from outreach.core.campaign_spec import CampaignSpecError, parse_campaign
from outreach.core.relationship_steps import (
    OccasionKey,
    RelationshipStep,
    Timing,
    day_start,
    occasion_key,
    read_occasion_key,
    timing,
)
from outreach.errors import CampaignError

ROOT = Path(__file__).resolve().parents[2]
MINIMAL: dict[str, Any] = {
    "name": "spring-serum",
    "product": "Rice Bran Serum",
    "steps": [{"template": "proposal", "delay": "0d"}],
}
NOW = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)


def parse(*entries: Any) -> tuple[RelationshipStep, ...]:
    return parse_campaign({**MINIMAL, "relationship_steps": list(entries)}).relationship_steps


def error(*entries: Any) -> tuple[str, str]:
    with pytest.raises(CampaignSpecError) as caught:
        parse(*entries)
    return caught.value.key, caught.value.reason


def test_a_campaign_without_relationship_steps_has_none() -> None:
    assert parse_campaign(MINIMAL).relationship_steps == ()


def test_the_shipped_campaign_has_the_three_sample_steps() -> None:
    text = (ROOT / "schedules" / "spring-serum.toml").read_text(encoding="utf-8")
    steps = parse_campaign(tomllib.loads(text)).relationship_steps
    assert steps == (
        RelationshipStep("check_in", "delivered", timedelta(days=3)),
        RelationshipStep("due_reminder", "due", timedelta(days=2)),
        RelationshipStep("rights_renewal", "rights_end", timedelta(days=14)),
    )


def test_the_skeleton_campaign_is_the_shipped_one() -> None:
    skeleton = ROOT / "outreach" / "skeleton" / "schedules" / "spring-serum.toml"
    assert skeleton.read_text() == (ROOT / "schedules" / "spring-serum.toml").read_text()


def test_after_and_before_steps_parse() -> None:
    steps = parse(
        {"template": "check_in", "after": "delivered", "delay": "3d"},
        {"template": "due_reminder", "before": "due", "delay": "1d12h"},
    )
    assert [(s.anchor, s.before, s.delay) for s in steps] == [
        ("delivered", False, timedelta(days=3)),
        ("due", True, timedelta(days=1, hours=12)),
    ]


@pytest.mark.parametrize(
    ("entry", "key", "reason_part"),
    [
        ({"template": "x", "delay": "1d"}, "relationship_steps[1].after", "exactly one"),
        (
            {"template": "x", "after": "posted", "before": "due", "delay": "1d"},
            "relationship_steps[1].after",
            "exactly one",
        ),
        (
            {"template": "x", "after": "paid", "delay": "1d"},
            "relationship_steps[1].after",
            "'paid' is not one of agreed, shipped, delivered, posted",
        ),
        (
            {"template": "x", "before": "posted", "delay": "1d"},
            "relationship_steps[1].before",
            "'posted' is not one of due, rights_end",
        ),
        (
            {"template": "x", "after": "posted", "delay": "soon"},
            "relationship_steps[1].delay",
            "is not a delay",
        ),
        ({"after": "posted", "delay": "1d"}, "relationship_steps[1].template", "is required"),
        (
            {"template": "../x", "after": "posted", "delay": "1d"},
            "relationship_steps[1].template",
            "plain name",
        ),
        (
            {"template": "x", "after": "posted", "delay": "1d", "when": 1},
            "relationship_steps[1].when",
            "unknown key",
        ),
        ("check_in", "relationship_steps[1]", "must be a table"),
    ],
)
def test_bad_entries_name_the_key(entry: Any, key: str, reason_part: str) -> None:
    found_key, reason = error(entry)
    assert found_key == key
    assert reason_part in reason


def test_the_same_template_twice_for_one_anchor_is_refused() -> None:
    entry = {"template": "check_in", "after": "delivered", "delay": "3d"}
    assert error(entry, entry) == (
        "relationship_steps[2].template",
        "'check_in' is already used for 'delivered'",
    )


def test_a_file_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        'name = "c"\nproduct = "P"\n[[steps]]\ntemplate = "proposal"\ndelay = "0d"\n'
        '[[relationship_steps]]\ntemplate = "check_in"\nafter = "arrived"\ndelay = "3d"\n'
    )
    with pytest.raises(CampaignError) as caught:
        load_campaign_file(path)
    assert str(caught.value) == (
        f"{path}:8: relationship_steps[1].after: 'arrived' is not one of "
        "agreed, shipped, delivered, posted"
    )


@pytest.mark.parametrize(
    ("anchor", "delay", "anchor_at", "expected"),
    [
        ("delivered", timedelta(days=3), NOW, NOW + timedelta(days=3)),
        ("due", timedelta(days=2), NOW, NOW - timedelta(days=2)),
        ("rights_end", timedelta(days=14), NOW, NOW - timedelta(days=14)),
    ],
)
def test_moment_is_after_the_event_or_before_the_date(
    anchor: str, delay: timedelta, anchor_at: datetime, expected: datetime
) -> None:
    assert RelationshipStep("t", anchor, delay).moment(anchor_at) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NOW - timedelta(seconds=1), Timing.WAIT),
        (NOW, Timing.SEND),
        (NOW + timedelta(days=2), Timing.SEND),
        (NOW + timedelta(days=2, seconds=1), Timing.STALE),
        (NOW + timedelta(weeks=3), Timing.STALE),
    ],
)
def test_timing_waits_sends_then_goes_stale(now: datetime, expected: Timing) -> None:
    assert timing(NOW, now) is expected


def test_a_date_starts_at_local_midnight() -> None:
    assert day_start(date(2026, 5, 10), ZoneInfo("Asia/Tokyo")) == datetime(
        2026, 5, 9, 15, 0, tzinfo=UTC
    )


def test_occasion_keys_round_trip() -> None:
    step = RelationshipStep("check_in", "delivered", timedelta(days=3))
    key = occasion_key(7, step, 12)
    assert key == "rel:7:check_in:delivered:12"
    assert read_occasion_key(key) == OccasionKey(7, "check_in", "delivered", 12)
    assert read_occasion_key("<held-1-2@outreach.invalid>") is None
    assert read_occasion_key("rel:x:check_in:delivered:12") is None
