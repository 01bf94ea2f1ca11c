"""The reply corpus and the classifier's plain parts: parsing, variation, features, softmax."""

from __future__ import annotations

import pytest

from outreach.core.reply_corpus import Example, parse_corpus, varied
from outreach.core.reply_features import features, normalise
from outreach.core.reply_model import softmax

LABELS = frozenset({"interested", "declined"})


def test_a_corpus_file_gives_each_reply_its_label_and_line_breaks() -> None:
    text = "# a comment\n## interested\nYes!\nHi,\\n\\nYes please\n\n## declined\nNo thanks\n"

    assert parse_corpus(text, "en", LABELS) == [
        Example("en", "interested", "Yes!"),
        Example("en", "interested", "Hi,\n\nYes please"),
        Example("en", "declined", "No thanks"),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("## maybe\nHm\n", "line 1: unknown label 'maybe'"), ("Yes\n", "line 1: a reply before")],
)
def test_a_broken_corpus_file_names_the_line(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_corpus(text, "en", LABELS)


def test_variation_wraps_each_reply_in_the_words_around_any_answer_and_is_stable() -> None:
    examples = [Example("ko", "declined", "안 할게요.")]

    once, again = varied(examples), varied(examples)

    assert once == again and len(once) == 3 and once[0] == examples[0]
    assert all("안 할게요." in e.text and e.label == "declined" for e in once)


def test_features_fold_digits_width_and_case_and_name_strong_signals() -> None:
    assert normalise("Ｒａｔｅ：$600\n\nThanks") == "rate:$000 thanks"
    found = features("My rate is $600, or contact my manager after March?")
    assert {"§amount", "§agency", "§later", "§question"} <= set(found)
    assert "§amount" in features("ブログ記事とインスタ投稿のセットで4万円（税別）")
    assert "§later" in features("3월 이후라면 가능해요")
    assert "§no" in features("이런 제품군은 저랑 안 맞아서 진행하지 않겠습니다")


def test_softmax_is_a_distribution_even_for_large_scores() -> None:
    probabilities = softmax([1000.0, 999.0, -5.0])

    assert abs(sum(probabilities) - 1) < 1e-9 and probabilities[0] > probabilities[1]
