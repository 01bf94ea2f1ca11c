"""The notice Korea asks for after an opt-out: it was processed (sent once, within 14 days).

정보통신망법 art. 50 and its Enforcement Decree art. 62-3: whoever sends advertising
mail tells the recipient, within 14 days of a refusal, the sender's name, that the refusal
was received and on what day, and what was done with it.
"""

from __future__ import annotations

from datetime import date

from outreach.core.rendered import RenderedMessage

NOTICE_DAYS = 14  # the notice goes within this many days of the opt-out, or not at all
NOTICE_TEMPLATE = "opt_out_notice"  # how the outbox and history name it
_OCCASION = "opt-out-notice:"  # the outbox's unique occasion key keeps it to one per creator


def notice_occasion(creator_id: int) -> str:
    """The natural key of one creator's notice (unique in the outbox)."""
    return f"{_OCCASION}{creator_id}"


def is_notice(occasion: str | None) -> bool:
    """Whether an outbox occasion is an opt-out notice (it must pass the suppression)."""
    return (occasion or "").startswith(_OCCASION)


def notice_text(language: str, sender_name: str, opted_out_on: date) -> RenderedMessage:
    """The notice in Korean, with English below it for a creator who wrote in English."""
    day = f"{opted_out_on.year}년 {opted_out_on.month}월 {opted_out_on.day}일"
    korean = (
        f"안녕하세요, {sender_name}입니다.\n\n"
        f"{day}에 요청하신 광고성 정보 수신거부를 처리했습니다. 앞으로 {sender_name}에서 "
        "광고성 정보를 보내드리지 않습니다.\n\n"
        "이 메일은 정보통신망법에 따라 처리 결과를 알려드리는 안내로, 한 번만 보내드립니다.\n"
    )
    if language == "ko":
        return RenderedMessage(subject="수신거부 처리 결과 안내", text=korean, html=None)
    english = (
        f"Hello, this is {sender_name}.\n\n"
        f"We have processed your request of {opted_out_on:%d %B %Y} to receive no more "
        f"advertising from {sender_name}, and will not send you any again.\n\n"
        "This notice is sent once, as Korea's Network Act asks.\n"
    )
    return RenderedMessage(
        subject="수신거부 처리 결과 안내 (opt-out confirmed)",
        text=f"{korean}\n{english}",
        html=None,
    )
