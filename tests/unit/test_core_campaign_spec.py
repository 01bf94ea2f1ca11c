"""Campaign files: validated top-level keys, each error naming the key."""

from datetime import time, timedelta
from typing import Any

import pytest

from outreach.core.campaign_spec import (
    CampaignSpec,
    CampaignSpecError,
    Limits,
    Selection,
    Step,
    Window,
    parse_campaign,
)

MINIMAL = {
    "name": "spring-serum",
    "product": "グロウセラム",
    "steps": [{"template": "proposal", "delay": "0d"}],
}


def spec_error(table: dict[str, Any]) -> CampaignSpecError:
    with pytest.raises(CampaignSpecError) as caught:
        parse_campaign(table)
    return caught.value


def test_a_minimal_campaign_gets_the_defaults() -> None:
    assert parse_campaign(MINIMAL) == CampaignSpec(
        name="spring-serum",
        product="グロウセラム",
        description=None,
        objective="awareness",
        guidelines=None,
        offer="gifted",
        language="en",
        sender=None,
        require_approval=False,
        selection=Selection(),
        window=None,
        limits=Limits(
            per_mailbox_per_day=30,
            per_campaign_per_day=200,
            min_gap_seconds=240,
            jitter_seconds=360,
        ),
        steps=(Step(template="proposal", delay=timedelta(0)),),
    )


def test_a_full_campaign_keeps_every_value_and_section() -> None:
    table = {
        "name": "spring_serum_2025",
        "product": "  글로우 세럼  ",
        "description": "비타민C 세럼",
        "objective": "conversion",
        "guidelines": "#광고 표기 필수",
        "offer": "paid",
        "language": "ko",
        "sender": "Luna at Glowlab <luna@glowlab.example>",
        "require_approval": True,
        "selection": {"languages": ["KO"]},
        "window": {"start": "09:00", "end": "18:00"},
        "limits": {"per_mailbox_per_day": 40},
        "steps": [{"template": "intro", "delay": "0d"}, {"template": "nudge", "delay": "1d12h"}],
    }
    assert parse_campaign(table) == CampaignSpec(
        name="spring_serum_2025",
        product="글로우 세럼",
        description="비타민C 세럼",
        objective="conversion",
        guidelines="#광고 표기 필수",
        offer="paid",
        language="ko",
        sender="Luna at Glowlab <luna@glowlab.example>",
        require_approval=True,
        selection=Selection(languages=("ko",)),
        window=Window(
            days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), start=time(9), end=time(18)
        ),
        limits=Limits(per_mailbox_per_day=40),
        steps=(
            Step(template="intro", delay=timedelta(0)),
            Step(template="nudge", delay=timedelta(days=1, hours=12)),
        ),
    )


def test_sections_gives_the_validated_sections_as_plain_values() -> None:
    spec = parse_campaign(
        {
            **MINIMAL,
            "selection": {"countries": ["jp"], "min_followers": 1000},
            "window": {"days": ["fri", "mon"], "start": "10:00", "end": "18:00"},
        }
    )
    assert spec.sections == {
        "selection": {"countries": ["JP"], "min_followers": 1000},
        "window": {"days": ["mon", "fri"], "start": "10:00", "end": "18:00"},
        "limits": {
            "per_mailbox_per_day": 30,
            "per_campaign_per_day": 200,
            "min_gap_seconds": 240,
            "jitter_seconds": 360,
        },
        "steps": [{"template": "proposal", "delay": timedelta(0)}],
    }


def test_template_values_are_what_templates_see_of_the_campaign() -> None:
    spec = parse_campaign({**MINIMAL, "description": "ビタミンC美容液", "offer": "affiliate"})
    assert spec.template_values() == {
        "name": "spring-serum",
        "product": "グロウセラム",
        "description": "ビタミンC美容液",
        "objective": "awareness",
        "guidelines": None,
        "offer": "affiliate",
    }


def test_an_unknown_key_names_the_key_and_the_known_ones() -> None:
    error = spec_error({**MINIMAL, "offers": "paid"})
    assert error.key == "offers"
    assert str(error) == (
        "offers: unknown key; known keys: advertising, brief, description, guidelines, language, "
        "limits, name, "
        "objective, offer, personal, product, relationship_steps, require_approval, selection, "
        "sender, senders, steps, window"
    )


def test_sections_is_not_a_key_a_file_may_set() -> None:
    assert spec_error({**MINIMAL, "sections": {}}).key == "sections"


@pytest.mark.parametrize(
    ("table", "key", "reason"),
    [
        ({"product": "グロウセラム"}, "name", "is required"),
        ({"name": "spring-serum"}, "product", "is required"),
        ({**MINIMAL, "product": "   "}, "product", "must not be empty"),
        ({**MINIMAL, "product": 42}, "product", "must be text, not int"),
        (
            {**MINIMAL, "name": "Spring Serum"},
            "name",
            "'Spring Serum' must be lowercase letters, digits, '-' or '_'",
        ),
        (
            {**MINIMAL, "name": "-spring"},
            "name",
            "'-spring' must be lowercase letters, digits, '-' or '_'",
        ),
        (
            {**MINIMAL, "name": "春のセラム"},
            "name",
            "'春のセラム' must be lowercase letters, digits, '-' or '_'",
        ),
        (
            {**MINIMAL, "name": "a" * 65},
            "name",
            f"{'a' * 65!r} must be lowercase letters, digits, '-' or '_'",
        ),
        (
            {**MINIMAL, "offer": "free"},
            "offer",
            "'free' is not one of gifted, paid, affiliate, none",
        ),
        (
            {**MINIMAL, "objective": "sales"},
            "objective",
            "'sales' is not one of awareness, conversion",
        ),
        ({**MINIMAL, "language": "JA"}, "language", "'JA' is not a language code like 'en'"),
        ({**MINIMAL, "language": "ja-JP"}, "language", "'ja-JP' is not a language code like 'en'"),
        ({**MINIMAL, "language": "jpn"}, "language", "'jpn' is not a language code like 'en'"),
        (
            {**MINIMAL, "sender": "Luna <luna.glowlab.example>"},
            "sender",
            "'Luna <luna.glowlab.example>' is not a valid address: "
            "An email address must have an @-sign",
        ),
        (
            {**MINIMAL, "sender": "Luna\nBcc: x <luna@glowlab.example>"},
            "sender",
            "must be on one line",
        ),
        ({**MINIMAL, "require_approval": "yes"}, "require_approval", "must be true or false"),
    ],
    ids=[
        "missing-name",
        "missing-product",
        "blank-product",
        "product-not-text",
        "name-with-space-and-capitals",
        "name-starting-with-dash",
        "name-not-ascii",
        "name-too-long",
        "unknown-offer",
        "unknown-objective",
        "uppercase-language",
        "language-with-region",
        "three-letter-language",
        "invalid-sender",
        "multi-line-sender",
        "approval-not-boolean",
    ],
)
def test_each_bad_value_names_the_key(table: dict[str, Any], key: str, reason: str) -> None:
    error = spec_error(table)
    assert (error.key, error.reason) == (key, reason)
    assert str(error) == f"{key}: {reason}"


def test_a_name_of_64_characters_is_accepted() -> None:
    assert parse_campaign({**MINIMAL, "name": "a" * 64}).name == "a" * 64


@pytest.mark.parametrize("offer", ["gifted", "paid", "affiliate", "none"])
def test_every_offer_kind_is_accepted(offer: str) -> None:
    assert parse_campaign({**MINIMAL, "offer": offer}).offer == offer


def test_personal_is_required_by_default_and_only_optional_or_required() -> None:
    assert parse_campaign(MINIMAL).personal == "required"
    assert parse_campaign({**MINIMAL, "personal": "optional"}).personal == "optional"
    error = spec_error({**MINIMAL, "personal": "always"})
    assert (error.key, str(error)) == (
        "personal",
        "personal: 'always' is not one of optional, required",
    )


def test_senders_are_mailbox_names_each_once() -> None:
    assert parse_campaign({**MINIMAL, "senders": ["luna", "minji"]}).senders == ("luna", "minji")
    assert parse_campaign(MINIMAL).senders == ()
    twice = spec_error({**MINIMAL, "senders": ["luna", "luna"]})
    assert twice.key == "senders" and "'luna' is listed twice" in str(twice)
    assert "mailbox name" in str(spec_error({**MINIMAL, "senders": ["Luna <l@x.example>"]}))
    assert "list of mailbox names" in str(spec_error({**MINIMAL, "senders": "luna"}))
    both = spec_error({**MINIMAL, "senders": ["luna"], "sender": "Luna <luna@glow.example>"})
    assert "not both" in str(both)
