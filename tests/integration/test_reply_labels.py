"""Labels of a creator's reply, from its new text: sentences written before the classifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.core.reply_labels import ReplyLabel
from outreach.services.reply_classifier import classify_reply


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
        ("ご提案ありがとうございます。喜んで参加させていただきます。", ReplyLabel.INTERESTED),
        ("제안 감사합니다. 꼭 참여하고 싶어요!", ReplyLabel.INTERESTED),
        ("申し訳ありませんが、今回は見送らせていただきます。", ReplyLabel.DECLINED),
        ("관심이 없습니다. 죄송합니다.", ReplyLabel.DECLINED),
        ("今は難しいので、また今度お願いします。", ReplyLabel.NOT_NOW),
        ("지금은 바빠서 다음에 연락드릴게요.", ReplyLabel.NOT_NOW),
        ("PR投稿の料金表をお送りします。単価は5万円です。", ReplyLabel.RATE_REQUEST),
        ("광고 단가는 게시물당 50만원입니다. 비용 확인 부탁드립니다.", ReplyLabel.RATE_REQUEST),
        ("お仕事のご依頼はマネジメント事務所までお願いします。", ReplyLabel.AGENCY),
        ("협업 문의는 에이전시를 통해 주세요.", ReplyLabel.AGENCY),
        ("Which shade is it?", ReplyLabel.QUESTION),
        ("hmm", ReplyLabel.UNCLEAR),
        ("", ReplyLabel.UNCLEAR),
    ],
)
def test_each_reply_gets_the_label_its_words_say(text: str, label: ReplyLabel) -> None:
    assert classify_reply(text).label is label


def test_nothing_to_read_is_unclear_for_a_person() -> None:
    for text in ("", "  \n"):
        assert classify_reply(text) == classify_reply("")
        assert classify_reply(text).needs_review and classify_reply(text).confidence == 0.0


def test_a_clear_answer_is_acted_on_and_most_unsure_ones_go_to_a_person() -> None:
    clear = classify_reply("ぜひお願いします！")
    unsure = [
        "Maybe? Not sure yet, what would you need?",
        "hmm I might, what's it about?",
        "좋은데 소속사랑 얘기해보고 비용도 알려주세요",
        "Sounds great, but what is your budget? My manager handles fees.",
        "ok",
        "Thanks",
    ]

    read = [classify_reply(text).needs_review for text in unsure]

    assert clear.label is ReplyLabel.INTERESTED and not clear.needs_review
    assert sum(read) >= 4, read


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, merci beaucoup pour votre message, je serais ravie de tester ce sérum.", "fr"),
        ("Hola, muchas gracias por el mensaje, me encantaría probar el sérum.", "es"),
        ("非常感谢您的邀请，我很乐意试用这款精华液。请问可以寄到上海吗？", "zh-cn"),
    ],
)
def test_a_reply_in_a_language_without_training_data_is_unclear_never_a_guess(
    text: str, language: str
) -> None:
    found = classify_reply(text)

    assert (found.label, found.confidence, found.needs_review) == (ReplyLabel.UNCLEAR, 0.0, True)
    assert found.language == language.split("-")[0]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # negations near a yes-word
        ("I'm not in this time, sorry.", "declined"),
        ("興味はありますが、今回はお受けできません。", "declined"),
        ("좋은 제안이지만 진행은 안 할게요.", "declined"),
        ("Not interested, but thank you for the lovely email!", "declined"),
        # mixed intents: what the brand must do first
        ("Yes! What's your budget though?", "rate_request"),
        ("Happy to, after my exams in February.", "not_now"),
        ("Love it! Could you ship to Canada?", "question"),
        ("ぜひやりたいです！ただ報酬はありますか？", "rate_request"),
        ("좋아요! 근데 3월 이후에 해도 될까요?", "not_now"),
        ("Sounds fun! Please talk to my manager about it.", "agency"),
        # amounts
        ("My fee is £350 for a reel.", "rate_request"),
        ("インスタ1投稿で25,000円です。", "rate_request"),
        ("피드 1건에 15만원입니다.", "rate_request"),
        # dates
        ("I could do it in late April.", "not_now"),
        ("4月になったらお願いします。", "not_now"),
        ("11월 이후에 연락 주세요.", "not_now"),
        # agencies
        ("My talent agency handles this, email them please.", "agency"),
        ("事務所経由でお願いします。", "agency"),
        ("소속사 매니저님께 전달할게요.", "agency"),
    ],
)
def test_negations_mixed_intents_amounts_dates_and_agencies(text: str, label: str) -> None:
    assert classify_reply(text).label.value == label


TRIMMED = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "corpora"
    / "discourse_email_reply_trimmer"
    / "trimmed"
)


@pytest.mark.skipif(not TRIMMED.is_dir(), reason=f"shared corpora folder missing: {TRIMMED}")
def test_real_replies_about_other_things_mostly_go_to_a_person() -> None:
    # Replies nobody on this project wrote, to mail that was no collaboration proposal: the
    # classifier must not act on most of them as if a creator had answered one.
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(TRIMMED.glob("*"))]

    read = [classify_reply(text).needs_review for text in texts if text.strip()]

    assert len(read) > 50 and sum(read) / len(read) >= 0.7
