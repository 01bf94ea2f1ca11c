"""Template context: only values that are really there, addressed politely per language."""

from typing import Any

import pytest

from outreach.core.context import Sender, sender_from, template_context

LUNA = Sender(from_header="Luna at Glowlab <luna@glowlab.example>", name="Luna", company="Glowlab")
MISAKI: dict[str, Any] = {
    "handle": "misaki.sato",
    "email": "misaki@example.jp",
    "name": "佐藤美咲",
    "platform": "instagram",
    "followers": 12_300,
    "engagement_rate": 4.2,
    "niches": ["beauty", "skincare"],
    "language": "ja",
    "country": "JP",
    "timezone": "Asia/Tokyo",
    "bio": "毎日のスキンケアを紹介しています。",
    "recent_post": "春の新作コスメまとめ",
    "recent_post_url": "https://www.instagram.com/p/C1a2b3c4/",
    "notes": "met at Cosme Tokyo",
    "custom": {"skin_type": "乾燥肌"},
}
SPRING = {
    "name": "spring-serum",
    "product": "グロウセラム",
    "description": "ビタミンC美容液",
    "objective": "awareness",
    "guidelines": None,
    "offer": "gifted",
}


@pytest.mark.parametrize(
    ("from_header", "company", "name", "derived_company"),
    [
        ("Luna at Glowlab <luna@glowlab.example>", None, "Luna", "Glowlab"),
        ("Luna at Glowlab <luna@glowlab.example>", "Glowlab K.K.", "Luna", "Glowlab K.K."),
        ("Luna <luna@glowlab.example>", None, "Luna", None),
        ("Luna <luna@glowlab.example>", "Glowlab", "Luna", "Glowlab"),
        ("luna@glowlab.example", None, None, None),
        ('"ルナ at グロウラボ" <luna@glowlab.example>', None, "ルナ", "グロウラボ"),
    ],
)
def test_sender_from_splits_the_display_name_into_name_and_company(
    from_header: str, company: str | None, name: str | None, derived_company: str | None
) -> None:
    sender = sender_from(from_header, company)
    assert (sender.from_header, sender.name, sender.company) == (
        from_header,
        name,
        derived_company,
    )


def test_sender_address_is_the_bare_address() -> None:
    assert LUNA.address == "luna@glowlab.example"


def test_template_context_holds_creator_campaign_and_sender_values() -> None:
    assert template_context(MISAKI, "ja", SPRING, LUNA) == {
        "skin_type": "乾燥肌",
        "handle": "misaki.sato",
        "email": "misaki@example.jp",
        "name": "佐藤美咲",
        "platform": "instagram",
        "followers": 12_300,
        "engagement_rate": 4.2,
        "niches": ["beauty", "skincare"],
        "language": "ja",
        "country": "JP",
        "timezone": "Asia/Tokyo",
        "bio": "毎日のスキンケアを紹介しています。",
        "recent_post": "春の新作コスメまとめ",
        "recent_post_url": "https://www.instagram.com/p/C1a2b3c4/",
        "notes": "met at Cosme Tokyo",
        "first_name": "佐藤美咲",
        "addressee": "佐藤美咲様",
        "tier": "micro",
        "campaign": "spring-serum",
        "product": "グロウセラム",
        "description": "ビタミンC美容液",
        "objective": "awareness",
        "offer": "gifted",
        "sender_name": "Luna",
        "sender_company": "Glowlab",
        "sender_email": "luna@glowlab.example",
    }


def test_template_context_leaves_out_missing_and_blank_values() -> None:
    creator: dict[str, Any] = {
        "handle": "minji.kim",
        "email": "minji@example.kr",
        "name": "   ",
        "bio": "",
        "niches": [],
        "followers": None,
        "custom": {"skin_type": " "},
    }
    sender = sender_from("luna@glowlab.example", None)
    assert template_context(creator, "ko", None, sender) == {
        "handle": "minji.kim",
        "email": "minji@example.kr",
        "sender_email": "luna@glowlab.example",
    }


def test_template_context_keeps_a_zero_follower_count() -> None:
    creator = {"handle": "new.creator", "email": "new@example.jp", "followers": 0}
    context = template_context(creator, "ja", None, LUNA)
    assert (context["followers"], context["tier"]) == (0, "nano")


@pytest.mark.parametrize(
    ("name", "language", "addressee", "first_name"),
    [
        ("佐藤美咲", "ja", "佐藤美咲様", "佐藤美咲"),
        ("김민지", "ko", "김민지님", "김민지"),
        ("Emma Watson", "en", "Emma", "Emma"),
        ("Camille Dubois", "fr", "Camille", "Camille"),
    ],
)
def test_template_context_addresses_the_creator_in_the_message_language(
    name: str, language: str, addressee: str, first_name: str
) -> None:
    creator = {"handle": "someone", "email": "someone@example.com", "name": name}
    context = template_context(creator, language, None, LUNA)
    assert (context["addressee"], context["first_name"]) == (addressee, first_name)


def test_template_context_without_a_campaign_has_no_campaign_values() -> None:
    context = template_context(MISAKI, "ja", None, LUNA)
    assert not {"campaign", "product", "description", "objective", "offer"} & context.keys()
