"""Opt-out requests in the new text of a reply."""

import pytest

from outreach.core.opt_outs import opt_out_line, opt_out_request


@pytest.mark.parametrize(
    "text",
    [
        "Please unsubscribe me.",
        "Remove me from your list",
        "Stop emailing me",
        "Don't contact me again.",
        "Please do not email me.",
        "配信停止でお願いします。",
        "今後の連絡は不要です。",
        "連絡しないでください。",
        "수신거부",
        "앞으로 연락하지 마세요.",
        "配信停止してください。",
        "今後のご連絡は不要です。",
        "수신거부합니다.",
        "다시는 연락하지 마세요.",
        "Merci de me désinscrire.",
        "Bitte abmelden.",
        "Quiero darme de baja.",
    ],
)
def test_opt_out_requests(text: str) -> None:
    assert opt_out_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "I won't unsubscribe, this is interesting!",
        "No need to remove me, happy to hear more.",
        "Sounds great, let's talk next week.",
        "興味があります。詳細を教えてください。",
        "配信停止はしません。続けてください。",
        "配信停止は不要です。",
        "今後ともよろしくお願いします。",
        "수신거부는 하지 않을게요.",
        "수신 거부 안 할게요, 계속 보내주세요.",
        "연락 주셔서 감사합니다.",
        "좋아요, 자세히 알려주세요.",
        "",
    ],
)
def test_not_opt_out_requests(text: str) -> None:
    assert not opt_out_request(text)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Hi,\n\nThanks for thinking of me.  Please unsubscribe me from these emails.\n\nHannah",
         "Thanks for thinking of me. Please unsubscribe me from these emails."),
        ("こんにちは。\n今後のメールの配信停止をお願いします。\nよろしくお願いします。",
         "今後のメールの配信停止をお願いします。"),
        ("안녕하세요.\n수신거부 부탁드립니다.", "수신거부 부탁드립니다."),
        ("Hi,\nSounds lovely, send it over!", None),
    ],
)  # fmt: skip
def test_the_line_that_opted_out_is_quoted_not_the_greeting(text: str, line: str | None) -> None:
    assert opt_out_line(text) == line
