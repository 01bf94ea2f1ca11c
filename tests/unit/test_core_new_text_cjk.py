"""New text of Japanese and Korean replies, as their mail clients and carriers quote."""

import pytest

from outreach.core.new_text import new_text

LUNA = "Luna at Glowlab <luna@glowlab.example>"


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        pytest.param(
            "ありがとうございます。ぜひ参加させてください。\n\n"
            "2026年12月1日(火) 10:30 Luna at Glowlab <\nluna@glowlab.example>:\n\n"
            "> 佐藤様\n> はじめまして。\n",
            "ありがとうございます。ぜひ参加させてください。",
            id="gmail-ja-header-wrapped",
        ),
        pytest.param(
            f"네, 좋습니다!\n\n2026년 12월 1일 (화) 오후 3:05, {LUNA}님이 작성:\n\n> 안녕하세요\n",
            "네, 좋습니다!",
            id="gmail-ko-afternoon",
        ),
        pytest.param(
            f"承知いたしました。\n\n________________________________\n差出人: {LUNA}\n"
            "送信日時: 2026年12月1日 10:30\n宛先: 佐藤美咲 <misaki@mail.example>\n"
            "件名: 新商品のご紹介\n\n佐藤様\n",
            "承知いたしました。",
            id="outlook-ja",
        ),
        pytest.param(
            "承知いたしました。\n\n差出人： Luna <luna@glowlab.example>\n"
            "送信日時： 2026年12月1日 10:30\n宛先： misaki@mail.example\n件名： ご紹介\n",
            "承知いたしました。",
            id="outlook-ja-full-width-colons",
        ),
        pytest.param(
            "ご連絡ありがとうございます。詳細を教えてください。\n\n"
            "--- luna@glowlab.example wrote:\n\n> 佐藤様\n",
            "ご連絡ありがとうございます。詳細を教えてください。",
            id="yahoo-japan-wrote",
        ),
        pytest.param(
            "ご連絡ありがとうございます。\n\n"
            "2026/12/1 10:30、Luna<luna@glowlab.example>のメール：\n\n＞佐藤様\n",
            "ご連絡ありがとうございます。",
            id="yahoo-japan-no-mail",
        ),
        pytest.param(
            "了解しました。\n\n-----Original Message-----\nFrom:luna@glowlab.example\n"
            "Sent:Tue, 01 Dec 2026 10:30:00 +0900\nTo:misaki@docomo.ne.jp\nSubject:ご紹介\n",
            "了解しました。",
            id="docomo-original-message",
        ),
        pytest.param(
            "了解しました。\n\n----- Original Message -----\n差出人: Luna <luna@glowlab.example>\n"
            "宛先: misaki@ezweb.ne.jp\n送信日時: 2026/12/01 10:30\n件名: ご紹介\n",
            "了解しました。",
            id="au-spaced-original-message",
        ),
        pytest.param(
            "はい、大丈夫です。\n\n＞佐藤様\n＞はじめまして。\n＞新商品のご紹介です。\n",
            "はい、大丈夫です。",
            id="softbank-full-width-quote-marks",
        ),
        pytest.param(
            "はい、大丈夫です。\n\n＞ 佐藤様\n＞ \n＞ はじめまして。\n",
            "はい、大丈夫です。",
            id="carrier-full-width-quote-marks-with-space",
        ),
        pytest.param(
            f"ぜひお願いします！\n\niPhoneから送信\n\n2026/12/01 10:30、{LUNA}のメール:\n\n"
            "> 佐藤様\n",
            "ぜひお願いします！",
            id="iphone-ja",
        ),
        pytest.param(
            "감사합니다. 참여하고 싶어요.\n\n-----Original Message-----\n"
            '보낸사람: "Luna at Glowlab" <luna@glowlab.example>\n받는사람: <minji@naver.com>\n'
            "날짜: 2026-12-01 (화) 10:30:00\n제목: 신제품 소개\n\n안녕하세요\n",
            "감사합니다. 참여하고 싶어요.",
            id="naver",
        ),
        pytest.param(
            '좋아요, 보내주세요.\n\n-----Original Message-----\nFrom: "Luna" '
            "<luna@glowlab.example>\nTo: <minji@hanmail.net>;\nCc:\n"
            "Sent: 2026-12-01 (화) 10:30:00 (GMT+09:00)\nSubject: 신제품 소개\n",
            "좋아요, 보내주세요.",
            id="daum",
        ),
        pytest.param(
            "좋아요, 보내주세요.\n\n------- Original Message -------\n"
            "보낸 사람 : Luna <luna@glowlab.example>\n받는 사람 : minji@kakao.com\n"
            "날짜 : 2026년 12월 1일(화) 10:30\n제목 : 신제품 소개\n",
            "좋아요, 보내주세요.",
            id="kakao",
        ),
        pytest.param(
            f"네 좋습니다.\n\n________________________________\n보낸 사람: {LUNA}\n"
            "보낸 날짜: 2026년 12월 1일 화요일 오전 10:30\n받는 사람: 김민지 <minji@mail.example>\n"
            "제목: 신제품 소개\n\n안녕하세요\n",
            "네 좋습니다.",
            id="outlook-ko",
        ),
        pytest.param(
            "네 좋습니다.\n\n내 Galaxy에서 보냄\n\n-------- 원본 메시지 --------\n"
            "보낸 사람 : Luna <luna@glowlab.example>\n",
            "네 좋습니다.",
            id="galaxy-ko-original",
        ),
        pytest.param(
            f"네 좋습니다.\n\niPhone에서 보냄\n\n2026. 12. 1. 오전 10:30, {LUNA} 작성:\n\n"
            "> 안녕하세요\n",
            "네 좋습니다.",
            id="iphone-ko",
        ),
    ],
)
def test_new_text_of_japanese_and_korean_replies(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


def test_full_width_quote_marks_between_answers_are_kept() -> None:
    reply = "＞サンプルは届きましたか？\n届きました。\n＞投稿日は？\n来週です。"

    assert new_text(reply, None) == reply
