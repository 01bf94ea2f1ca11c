"""Labels of a creator's reply, from its new text."""

from __future__ import annotations

import pytest

from outreach.core.reply_labels import ReplyLabel, label_reply


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("ぜひ試してみたいです！", ReplyLabel.INTERESTED),
        ("Yes please, send it to my address!", ReplyLabel.INTERESTED),
        ("좋아요! 보내주세요", ReplyLabel.INTERESTED),
        ("Not interested, thanks.", ReplyLabel.DECLINED),
        ("今回は辞退させていただきます。", ReplyLabel.DECLINED),
        ("죄송하지만 이번에는 어렵습니다.", ReplyLabel.DECLINED),
        ("Maybe next month, I'm too busy right now", ReplyLabel.NOT_NOW),
        ("来月以降、落ち着いたらまたご連絡ください", ReplyLabel.NOT_NOW),
        ("What is your budget for this? Here is my rate card.", ReplyLabel.RATE_REQUEST),
        ("原稿料はおいくらでしょうか。報酬について教えてください。", ReplyLabel.RATE_REQUEST),
        ("Please contact my manager at anna@agency.example", ReplyLabel.AGENCY),
        ("事務所を通してご連絡ください。", ReplyLabel.AGENCY),
        ("소속사 매니저에게 연락 부탁드립니다.", ReplyLabel.AGENCY),
        ("Which shade is it?", ReplyLabel.QUESTION),
        ("hmm", ReplyLabel.UNCLEAR),
        ("", ReplyLabel.UNCLEAR),
    ],
)
def test_each_reply_gets_the_label_its_words_say(text: str, label: ReplyLabel) -> None:
    assert label_reply(text).label is label


def test_nothing_recognisable_is_unclear_with_no_confidence() -> None:
    assert label_reply("🙂").confidence == 0.0


def test_one_clear_signal_gives_full_confidence() -> None:
    assert label_reply("ぜひお願いします！").confidence == 1.0


def test_mixed_signals_lower_the_confidence_below_the_line_for_a_person() -> None:
    labelled = label_reply("Sounds great, but what is your budget? My manager handles fees.")

    assert labelled.confidence < 0.6
