"""Opt-out requests in the new text of a reply."""

import pytest

from outreach.core.opt_outs import opt_out_request


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
