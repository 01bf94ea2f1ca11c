"""The reply classifier trained from the shipped corpus: the issue's examples, cache, file."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.adapters.reply_training import (
    cached_model,
    corpus_digest,
    model_from_json,
    model_to_json,
)
from outreach.core.reply_corpus import Example
from outreach.core.reply_model import ReplyModel
from outreach.services.reply_classifier import model_with

EXAMPLES = [
    ("이런 제품군은 저랑 안 맞아서 진행하지 않겠습니다. 감사합니다.", "declined"),
    ("ブログ記事とインスタ投稿のセットで4万円（税別）いただいております。", "rate_request"),
    ("Can we push this to Q2? I've already committed to two skincare campaigns this quarter.",
     "not_now"),
    ("Hi there, I accept the gifted collaboration.", "interested"),
    ("Thanks so much, but I'm going to pass on this one.", "declined"),
    ("お受けします。", "interested"),
    ("参加させていただきます！", "interested"),
    ("진행할게요!", "interested"),
    ("I'm in!", "interested"),
    ("結構です。", "declined"),
    ("안 할게요.", "declined"),
    ("I'll pass, thanks.", "declined"),
    ("年明けでしたらぜひ。", "not_now"),
    ("3월 이후에 가능할 것 같아요.", "not_now"),
    ("Happy to, but only after March.", "not_now"),
    ("リール1本2万円です。", "rate_request"),
    ("릴스는 30만원입니다.", "rate_request"),
    ("I'd do it for $600.", "rate_request"),
    ("원고료는 어떻게 되나요?", "rate_request"),
    ("キャスティング会社経由でお願いしております。", "agency"),
    ("소속사 통해서 연락 주세요.", "agency"),
    ("Please contact my MCN.", "agency"),
    ("Love it, can you ship to Canada?", "question"),
]  # fmt: skip


@pytest.fixture(scope="module")
def model() -> ReplyModel:
    # The model every sync in the suite uses (trained once into the user's cache folder):
    # the tests below that must train, train into folders of their own.
    return model_with()


@pytest.mark.parametrize(("text", "label"), EXAMPLES)
def test_the_replies_the_phrase_rules_got_wrong_get_their_label(
    model: ReplyModel, text: str, label: str
) -> None:
    assert model.predict(text).label == label


def test_a_trained_model_is_cached_and_read_back_the_same(tmp_path: Path) -> None:
    first = cached_model(tmp_path)
    [cached] = tmp_path.glob("reply-model-*.json")
    again = cached_model(tmp_path)  # read from the file, not trained

    assert [p.name for p in tmp_path.iterdir()] == [cached.name]  # no temporary file left
    for text, _ in EXAMPLES[:5]:
        assert again.predict(text) == first.predict(text)
    assert model_from_json(model_to_json(again)).predict("Yes!") == again.predict("Yes!")


def test_a_damaged_cache_file_is_trained_again(tmp_path: Path) -> None:
    cached = tmp_path / f"reply-model-{corpus_digest()}.json"
    cached.write_text("{not json", encoding="utf-8")  # as a crash or a full disk might leave it

    model = cached_model(tmp_path)

    assert model.predict("No thank you.").label == "declined"
    assert cached.read_text(encoding="utf-8").startswith("{")


def test_confidence_is_a_probability_and_unsure_replies_go_to_a_person(model: ReplyModel) -> None:
    sure = model.predict("Yes please, send it over! My address is 12 Elm St.")
    # Two things at once (a budget and a manager): less sure than a plain yes.
    mixed = model.predict("Sounds great, but what is your budget? My manager handles fees.")

    assert 0 < mixed.confidence < sure.confidence <= 1
    assert abs(sum(sure.probabilities.values()) - 1) < 0.01
    for found in (sure, mixed, model.predict("Maybe? Not sure yet, what would you need?")):
        assert found.needs_review == (found.confidence < model.review_below)
    assert not sure.needs_review


def test_a_workspaces_corrections_teach_its_model(tmp_path: Path) -> None:
    slang = "nah fam, zorblax season is over for me"
    corrections = [Example("en", "declined", slang), Example("en", "declined", "zorblax, nope")]

    taught = cached_model(tmp_path, corrections)

    assert taught.predict(slang).label == "declined"
    assert taught.predict("zorblax season is over").label == "declined"  # not only the same text
    assert len(list(tmp_path.glob("reply-model-*.json"))) == 1
