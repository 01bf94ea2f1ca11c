"""Campaign sections: [selection], [window], [limits] and [[steps]], each error a dotted key."""

import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from outreach.core.campaign_spec import (
    CampaignSpecError,
    Limits,
    Selection,
    Step,
    Window,
    parse_campaign,
)

ROOT = Path(__file__).resolve().parents[2]
MINIMAL: dict[str, Any] = {
    "name": "spring-serum",
    "product": "Rice Bran Serum",
    "steps": [{"template": "proposal", "delay": "0d"}],
}
ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def with_section(key: str, value: Any) -> dict[str, Any]:
    return {**MINIMAL, key: value}


def spec_error(table: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(CampaignSpecError) as caught:
        parse_campaign(table)
    return caught.value.key, caught.value.reason


def test_the_shipped_spring_serum_campaign_parses_into_its_sections() -> None:
    text = (ROOT / "schedules" / "spring-serum.toml").read_text(encoding="utf-8")
    spec = parse_campaign(tomllib.loads(text))
    assert spec.selection == Selection(
        niches=("skincare", "vegan"),
        platforms=("instagram", "tiktok", "youtube"),
        languages=("ja", "ko", "en"),
        countries=("JP", "KR", "US", "GB"),
        min_followers=1000,
        max_followers=100000,
        min_engagement_rate=2.0,
    )
    assert spec.window == Window(
        days=("mon", "tue", "wed", "thu", "fri"),
        start=time(10),
        end=time(18),
        timezone="Asia/Tokyo",
    )
    assert spec.limits == Limits(
        per_mailbox_per_day=30, per_campaign_per_day=200, min_gap_seconds=240, jitter_seconds=360
    )
    assert spec.steps == (
        Step(template="proposal", delay=timedelta(0)),
        Step(template="follow_up_1", delay=timedelta(days=4)),
        Step(template="follow_up_2", delay=timedelta(days=7)),
    )


# --- [selection] -------------------------------------------------------------------------


def test_selection_words_are_normalised_like_stored_creators() -> None:
    spec = parse_campaign(
        with_section(
            "selection",
            {
                "niches": [" Skincare ", "VEGAN"],
                "platforms": ["TikTok"],
                "languages": ["JA"],
                "countries": ["jp", " kr"],
                "min_followers": 0,
                "max_followers": 0,
                "min_engagement_rate": 100,
            },
        )
    )
    assert spec.selection == Selection(
        niches=("skincare", "vegan"),
        platforms=("tiktok",),
        languages=("ja",),
        countries=("JP", "KR"),
        min_followers=0,
        max_followers=0,
        min_engagement_rate=100.0,
    )


def test_prefer_partners_and_max_creators_order_and_cap_without_filtering() -> None:
    spec = parse_campaign(with_section("selection", {"prefer_partners": True, "max_creators": 50}))
    assert spec.selection == Selection(prefer_partners=True, max_creators=50)
    assert spec.selection.as_mapping() == {"prefer_partners": True, "max_creators": 50}
    assert parse_campaign(with_section("selection", {"prefer_partners": False})).selection == (
        Selection()
    )


def test_without_a_selection_nothing_is_filtered() -> None:
    assert parse_campaign(MINIMAL).selection == Selection()
    assert parse_campaign(MINIMAL).selection.as_mapping() == {}


@pytest.mark.parametrize(
    ("selection", "key", "reason"),
    [
        (
            {"niche": ["skincare"]},
            "selection.niche",
            "unknown key; known keys: countries, languages, max_creators, max_followers, "
            "min_engagement_rate, min_followers, niches, platforms, prefer_partners",
        ),
        ("skincare", "selection", "must be a [selection] table, not str"),
        (
            {"niches": "skincare"},
            "selection.niches",
            'must be a list like ["a", "b"], not \'skincare\'',
        ),
        ({"platforms": ["tiktok", ""]}, "selection.platforms", "'' is not a non-empty text"),
        ({"niches": [3]}, "selection.niches", "3 is not a non-empty text"),
        (
            {"countries": ["JPN"]},
            "selection.countries",
            "'JPN' is not a two-letter country code like 'JP'",
        ),
        (
            {"countries": ["J1"]},
            "selection.countries",
            "'J1' is not a two-letter country code like 'JP'",
        ),
        (
            {"languages": ["ja-JP"]},
            "selection.languages",
            "'ja-JP' is not a language code like 'en'",
        ),
        ({"min_followers": -1}, "selection.min_followers", "-1 must be at least 0"),
        ({"max_followers": 1.5}, "selection.max_followers", "1.5 is not a whole number"),
        ({"min_followers": True}, "selection.min_followers", "True is not a whole number"),
        (
            {"min_followers": 5000, "max_followers": 1000},
            "selection.max_followers",
            "1000 is below min_followers (5000)",
        ),
        (
            {"min_engagement_rate": 101},
            "selection.min_engagement_rate",
            "101 is not a percentage from 0 to 100",
        ),
        (
            {"min_engagement_rate": -0.5},
            "selection.min_engagement_rate",
            "-0.5 is not a percentage from 0 to 100",
        ),
        (
            {"min_engagement_rate": "2%"},
            "selection.min_engagement_rate",
            "'2%' is not a number (a percentage, 0 to 100)",
        ),
        ({"prefer_partners": "yes"}, "selection.prefer_partners", "must be true or false"),
        ({"max_creators": 0}, "selection.max_creators", "0 must be at least 1"),
        ({"max_creators": 2.5}, "selection.max_creators", "2.5 is not a whole number"),
    ],
)
def test_each_bad_selection_value_names_its_dotted_key(
    selection: Any, key: str, reason: str
) -> None:
    assert spec_error(with_section("selection", selection)) == (key, reason)


# --- [window] ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (
            {"start": "10:00", "end": "18:00"},
            Window(days=ALL_DAYS, start=time(10), end=time(18)),
        ),
        (
            {"days": ["Sun", "sat"], "start": "00:00", "end": "23:59", "timezone": "Europe/Paris"},
            Window(days=("sat", "sun"), start=time(0), end=time(23, 59), timezone="Europe/Paris"),
        ),
        (
            {"days": ["wed"], "start": "09:30", "end": "09:31", "timezone": "America/Los_Angeles"},
            Window(
                days=("wed",), start=time(9, 30), end=time(9, 31), timezone="America/Los_Angeles"
            ),
        ),
    ],
    ids=["days-default-to-all-seven", "days-in-week-order", "one-minute-window"],
)
def test_a_window_is_parsed_with_days_in_week_order(
    window: dict[str, Any], expected: Window
) -> None:
    assert parse_campaign(with_section("window", window)).window == expected


def test_without_a_window_any_time_will_do() -> None:
    assert parse_campaign(MINIMAL).window is None


@pytest.mark.parametrize(
    ("window", "key", "reason"),
    [
        ({"end": "18:00"}, "window.start", 'is required, a time like "10:00"'),
        ({"start": "10:00"}, "window.end", 'is required, a time like "10:00"'),
        (
            {"start": "10:00", "end": "18:00", "tz": "UTC"},
            "window.tz",
            "unknown key; known keys: days, end, start, timezone",
        ),
        (
            {"start": "9:00", "end": "18:00"},
            "window.start",
            '\'9:00\' is not a 24-hour time from "00:00" to "23:59"',
        ),
        (
            {"start": "10:00", "end": "24:00"},
            "window.end",
            '\'24:00\' is not a 24-hour time from "00:00" to "23:59"',
        ),
        (
            {"start": "10:00", "end": "6pm"},
            "window.end",
            '\'6pm\' is not a 24-hour time from "00:00" to "23:59"',
        ),
        (
            {"start": 10, "end": "18:00"},
            "window.start",
            '10 is not a 24-hour time from "00:00" to "23:59"',
        ),
        (
            {"start": "22:00", "end": "06:00"},
            "window.end",
            "'06:00' must be after start '22:00'; windows cannot run past midnight, "
            "so split an overnight window or choose another time zone",
        ),
        (
            {"start": "10:00", "end": "10:00"},
            "window.end",
            "'10:00' must be after start '10:00'; windows cannot run past midnight, "
            "so split an overnight window or choose another time zone",
        ),
        (
            {"days": [], "start": "10:00", "end": "18:00"},
            "window.days",
            "must list at least one of mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            {"days": ["monday"], "start": "10:00", "end": "18:00"},
            "window.days",
            "'monday' is not one of mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            {"days": ["mon", "Mon"], "start": "10:00", "end": "18:00"},
            "window.days",
            "'mon' is listed twice",
        ),
        (
            {"start": "10:00", "end": "18:00", "timezone": "Tokyo"},
            "window.timezone",
            "'Tokyo' is not an IANA time zone like 'Asia/Tokyo'",
        ),
        (
            {"start": "10:00", "end": "18:00", "timezone": "asia/seoul"},
            "window.timezone",
            "'asia/seoul' is not an IANA time zone like 'Asia/Tokyo'; did you mean 'Asia/Seoul'?",
        ),
        (
            {"start": "10:00", "end": "18:00", "timezone": "localtime"},
            "window.timezone",
            "'localtime' is not an IANA time zone like 'Asia/Tokyo'",
        ),
        ("10:00-18:00", "window", "must be a [window] table, not str"),
    ],
)
def test_each_bad_window_value_names_its_dotted_key(window: Any, key: str, reason: str) -> None:
    assert spec_error(with_section("window", window)) == (key, reason)


# --- [limits] ----------------------------------------------------------------------------


def test_missing_limits_take_the_defaults_and_gaps_may_be_switched_off() -> None:
    spec = parse_campaign(
        with_section(
            "limits", {"per_campaign_per_day": 1, "min_gap_seconds": 0, "jitter_seconds": 0}
        )
    )
    assert spec.limits == Limits(
        per_mailbox_per_day=30, per_campaign_per_day=1, min_gap_seconds=0, jitter_seconds=0
    )


@pytest.mark.parametrize(
    ("limits", "key", "reason"),
    [
        ({"per_mailbox_per_day": 0}, "limits.per_mailbox_per_day", "0 must be at least 1"),
        ({"per_campaign_per_day": -5}, "limits.per_campaign_per_day", "-5 must be at least 1"),
        ({"min_gap_seconds": -1}, "limits.min_gap_seconds", "-1 must be at least 0"),
        ({"jitter_seconds": 2.5}, "limits.jitter_seconds", "2.5 is not a whole number"),
        ({"min_gap_seconds": "4m"}, "limits.min_gap_seconds", "'4m' is not a whole number"),
        (
            {"per_day": 40},
            "limits.per_day",
            "unknown key; known keys: jitter_seconds, min_gap_seconds, "
            "per_campaign_per_day, per_mailbox_per_day",
        ),
    ],
)
def test_each_bad_limit_names_its_dotted_key(limits: Any, key: str, reason: str) -> None:
    assert spec_error(with_section("limits", limits)) == (key, reason)


# --- [[steps]] ---------------------------------------------------------------------------


def test_four_steps_are_allowed_a_proposal_and_three_follow_ups() -> None:
    steps = [
        {"template": "proposal", "delay": "0d"},
        {"template": "follow_up_1", "delay": "4d"},
        {"template": "follow_up_2", "delay": "36h"},
        {"template": "follow_up_3", "delay": "1d12h"},
    ]
    assert parse_campaign(with_section("steps", steps)).steps == (
        Step(template="proposal", delay=timedelta(0)),
        Step(template="follow_up_1", delay=timedelta(days=4)),
        Step(template="follow_up_2", delay=timedelta(hours=36)),
        Step(template="follow_up_3", delay=timedelta(days=1, hours=12)),
    )


BAD_DELAY = (
    "is not a delay: use whole numbers with units d, h, m in that order, "
    "like '0d', '4d', '36h', '30m' or '1d12h'"
)


@pytest.mark.parametrize(
    ("steps", "key", "reason"),
    [
        (None, "steps", "at least one [[steps]] entry is required"),
        ([], "steps", "must be one or more [[steps]] tables"),
        ({"template": "proposal"}, "steps", "must be one or more [[steps]] tables"),
        (
            [{"template": f"step_{n}", "delay": "1d"} for n in range(5)],
            "steps",
            "5 steps is too many; at most 4 (a proposal and 3 follow-ups), "
            "since more follow-ups draw complaints",
        ),
        (["proposal"], "steps[1]", "must be a [[steps]] table with template and delay"),
        ([{"template": "proposal"}], "steps[1].delay", "is required"),
        ([{"delay": "0d"}], "steps[1].template", "is required"),
        (
            [{"template": "proposal", "delay": "0d"}, {"template": "nudge", "delay": "4 days"}],
            "steps[2].delay",
            f"'4 days' {BAD_DELAY}",
        ),
        (
            [{"template": "proposal", "delay": 4}],
            "steps[1].delay",
            f"4 {BAD_DELAY}",
        ),
        (
            [{"template": "proposal", "delay": "0d", "subject": "Hi"}],
            "steps[1].subject",
            "unknown key; known keys: delay, template",
        ),
        (
            [{"template": "../secrets", "delay": "0d"}],
            "steps[1].template",
            "'../secrets' must be a plain name, without '/' or '..'",
        ),
        (
            [{"template": "messages/proposal", "delay": "0d"}],
            "steps[1].template",
            "'messages/proposal' must be a plain name, without '/' or '..'",
        ),
        (
            [{"template": " ", "delay": "0d"}],
            "steps[1].template",
            "must be a template name like 'proposal'",
        ),
    ],
    ids=[
        "missing",
        "empty",
        "a-table-not-an-array",
        "five-steps",
        "step-not-a-table",
        "missing-delay",
        "missing-template",
        "delay-in-words",
        "delay-a-number",
        "subject-override",
        "template-leaving-the-folder",
        "template-with-a-folder",
        "blank-template",
    ],
)
def test_each_bad_step_names_its_one_based_number(steps: Any, key: str, reason: str) -> None:
    table = {key: value for key, value in MINIMAL.items() if key != "steps"}
    if steps is not None:
        table["steps"] = steps
    assert spec_error(table) == (key, reason)
