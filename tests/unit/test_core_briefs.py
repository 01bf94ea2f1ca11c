"""The brief: its strength follows the objective; it is written out in the creator's language."""

from __future__ import annotations

from typing import Any

import pytest

from outreach.core.brief_text import render_brief
from outreach.core.briefs import parse_brief
from outreach.core.disclosures import disclosure_for
from outreach.core.spec_errors import CampaignSpecError

AWARENESS: dict[str, Any] = {"theme": "Calm skin", "core_message": "Gentle every day."}
CONVERSION: dict[str, Any] = {
    "core_message": {"en": "Visible calm in two weeks.", "ja": "2週間で肌の落ち着きを実感。"},
    "must_mention": {"en": ["rice bran extract", "fragrance-free"], "ja": ["米ぬかエキス"]},
    "structure": "before_after",
    "key_ingredient": {"en": "rice bran extract", "ja": "米ぬかエキス"},
}


def refusal(table: dict[str, Any], objective: str) -> CampaignSpecError:
    with pytest.raises(CampaignSpecError) as caught:
        parse_brief(table, objective)
    return caught.value


def test_a_conversion_brief_needs_something_the_post_must_mention() -> None:
    error = refusal({"core_message": "Buy it"}, "conversion")

    assert error.key == "brief.must_mention"
    assert 'objective = "conversion" needs at least one must_mention' in error.reason
    assert parse_brief(CONVERSION, "conversion").most_points() == 2


def test_an_awareness_brief_leaves_tone_and_expression_to_the_creator() -> None:
    many = refusal({**AWARENESS, "must_mention": ["a", "b"]}, "awareness")
    shaped = refusal({**AWARENESS, "structure": "tutorial"}, "awareness")

    assert many.key == "brief.must_mention" and "at most one must_mention (2 given)" in many.reason
    assert shaped.key == "brief.structure"
    assert "awareness leaves tone and expression to the creator" in shaped.reason
    assert parse_brief({**AWARENESS, "must_mention": ["fragrance-free"]}, "awareness")


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ({"theme": "x"}, "brief.core_message", "is required"),
        ({**AWARENESS, "tone": "fun"}, "brief.tone", "unknown key"),
        ({**AWARENESS, "structure": "vlog"}, "brief.structure", "'vlog' is not one of"),
        ({**AWARENESS, "theme": 3}, "brief.theme", "must be text"),
        ({**AWARENESS, "theme": {"japanese": "x"}}, "brief.theme", "'japanese' is not a language"),
        ({**AWARENESS, "must_mention": [""]}, "brief.must_mention", "a list of text"),
        ({**AWARENESS, "core_message": "x" * 501}, "brief.core_message", "over 500 characters"),
    ],
)
def test_a_wrong_brief_names_its_key(table: dict[str, Any], key: str, words: str) -> None:
    error = refusal(table, "awareness")

    assert error.key == key and words in error.reason


@pytest.mark.parametrize(
    ("country", "language", "offer", "tags"),
    [
        ("JP", "en", "gifted", ("#PR", "#プロモーション")),
        ("KR", "ko", "gifted", ("협찬",)),
        ("KR", "ko", "paid", ("광고",)),
        ("US", "ja", "gifted", ("#ad",)),  # the country decides, not the language
        ("GB", "en", "gifted", ("#ad",)),
        ("FR", "fr", "paid", ("#ad",)),
        (None, "ja", "gifted", ("#PR", "#プロモーション")),  # no country: by language
        (None, "en", "gifted", ("#ad",)),
    ],
)
def test_the_disclosure_follows_the_country(
    country: str | None, language: str, offer: str, tags: tuple[str, ...]
) -> None:
    assert disclosure_for(country, language, offer).tags == tags


def test_the_brief_is_written_in_the_creators_language_with_their_disclosure() -> None:
    brief = parse_brief(CONVERSION, "conversion")

    japanese = render_brief(
        brief, "Rice Bran Serum", "ja", "en", disclosure_for("JP", "ja", "gifted")
    )
    korean = render_brief(brief, "Rice Bran Serum", "ko", "en", disclosure_for("KR", "ko", "paid"))

    assert japanese.splitlines() == [
        "ブリーフ：Rice Bran Serum",
        "伝えたいこと：2週間で肌の落ち着きを実感。",
        "注目成分：米ぬかエキス",
        "触れていただきたい点：",
        "・米ぬかエキス",
        "構成：ビフォー・アフター（使う前と使った後）",
        "表記のお願い：投稿の冒頭に「#PR」または「#プロモーション」と明記してください"
        "（ステルスマーケティング規制のため）。",
    ]
    # No Korean text written: the campaign's language (English) fills in, labels stay Korean.
    assert "핵심 메시지: Visible calm in two weeks." in korean
    assert '"광고" 표기를 꼭 해 주세요' in korean
