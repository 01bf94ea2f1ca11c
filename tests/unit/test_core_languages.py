"""Language detection: a code for enough text, None for short or unsure text, always the same."""

import pytest

from outreach.core.languages import detect_language

JAPANESE = "毎日のスキンケアと季節のメイクを紹介しています。敏感肌でも使えるコスメが大好きです。"
KOREAN = (
    "매일 스킨케어 루틴과 데일리 메이크업을 소개하고 있어요. "
    "민감한 피부에도 잘 맞는 화장품을 좋아합니다."
)
ENGLISH = (
    "I share my daily skincare routine and honest reviews of gentle products for sensitive skin."
)
FRENCH = (
    "Je partage ma routine de soins quotidienne et des avis honnêtes sur les produits "
    "pour peaux sensibles."
)
GERMAN = (
    "Ich teile meine tägliche Hautpflegeroutine und ehrliche Bewertungen von sanften "
    "Produkten für empfindliche Haut."
)
SPANISH = (
    "Comparto mi rutina diaria de cuidado de la piel y reseñas honestas de productos "
    "suaves para piel sensible."
)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (JAPANESE, "ja"),
        (KOREAN, "ko"),
        (ENGLISH, "en"),
        (FRENCH, "fr"),
        (GERMAN, "de"),
        (SPANISH, "es"),
    ],
    ids=["ja", "ko", "en", "fr", "de", "es"],
)
def test_detect_language_names_the_language_of_a_long_text(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(
    "text",
    ["hi", "ok!", "かわいい", "안녕하세요", "", "   ", "Tokyo 🇯🇵 skincare ✨ かわいい"],
)
def test_detect_language_is_none_for_short_text(text: str) -> None:
    assert detect_language(text) is None


def test_detect_language_is_none_without_any_text() -> None:
    assert detect_language(None, None) is None


def test_detect_language_ignores_links_and_addresses() -> None:
    text = "https://www.instagram.com/p/abcdefghijklmnopqrstuvwxyz/ misaki.sato@example.jp"
    assert detect_language(text) is None


def test_detect_language_joins_several_texts_and_skips_missing_ones() -> None:
    assert detect_language(None, "毎日のスキンケア", "季節のメイクを紹介しています") == "ja"


@pytest.mark.parametrize("text", [JAPANESE, KOREAN, ENGLISH, FRENCH, GERMAN, SPANISH])
def test_detect_language_gives_the_same_answer_every_time(text: str) -> None:
    answers = {detect_language(text) for _ in range(5)}
    assert len(answers) == 1
