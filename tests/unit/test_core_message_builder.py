"""Message building: correct RFC 5322 wire bytes that no header value can break out of."""

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from outreach.core.footers import opt_out_footer
from outreach.core.message_builder import (
    BuiltMessage,
    Envelope,
    HeaderInjection,
    build_message,
    check_header_value,
)
from outreach.core.rendering import RenderedMessage

LUNA = "Luna at Glowlab <luna@glowlab.example>"
JAPANESE_TEXT = "佐藤美咲様\n\nはじめまして。GlowlabのLunaです。新作セラムのご紹介です。\n"
JAPANESE_FOOTER = opt_out_footer("ja", LUNA, None)
ENGLISH_FOOTER = opt_out_footer("en", LUNA, None)


ENVELOPE = Envelope(
    from_header=LUNA,
    to_name="佐藤美咲",
    to_address="misaki@example.jp",
    message_id="<20250314093000.1@glowlab.example>",
    date=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
    unsubscribe_address="unsubscribe@glowlab.example",
)


def build(
    subject: str = "新作セラムのご紹介",
    text: str = JAPANESE_TEXT,
    html: str | None = None,
    footer: str = JAPANESE_FOOTER,
    envelope: Envelope = ENVELOPE,
) -> BuiltMessage:
    return build_message(RenderedMessage(subject=subject, text=text, html=html), envelope, footer)


def wire(message: BuiltMessage) -> bytes:
    return message.data


def parsed(message: BuiltMessage) -> EmailMessage:
    result = email.message_from_bytes(wire(message), policy=email.policy.default)
    assert isinstance(result, EmailMessage)
    return result


def header_lines(message: BuiltMessage) -> list[bytes]:
    head = wire(message).split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


def test_japanese_display_names_are_rfc2047_encoded_on_the_wire() -> None:
    lines = header_lines(
        build(envelope=replace(ENVELOPE, from_header="ルナ at Glowlab <luna@glowlab.example>"))
    )
    from_line = next(line for line in lines if line.startswith(b"From: "))
    to_line = next(line for line in lines if line.startswith(b"To: "))
    # The whole display name is one encoded word (any RFC 2047 split decodes the same).
    assert from_line.startswith(b"From: =?utf-8?b?")
    assert from_line.endswith(b"?= <luna@glowlab.example>")
    assert to_line == b"To: =?utf-8?b?5L2Q6Jek576O5ZKy?= <misaki@example.jp>"


def test_japanese_display_names_decode_back_exactly() -> None:
    message = parsed(
        build(envelope=replace(ENVELOPE, from_header="ルナ at グロウラボ <luna@glowlab.example>"))
    )
    sender, recipient = message["From"].addresses[0], message["To"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("ルナ at グロウラボ", "luna@glowlab.example")
    assert (recipient.display_name, recipient.addr_spec) == ("佐藤美咲", "misaki@example.jp")


@pytest.mark.parametrize(
    "subject",
    ["新作セラムのご紹介", "글로우 세럼 협업 제안", "Collaboration avec Glowlab : sérum éclat"],
)
def test_the_subject_decodes_back_exactly(subject: str) -> None:
    assert parsed(build(subject=subject))["Subject"] == subject


def test_a_recipient_without_a_name_gets_a_bare_address() -> None:
    assert parsed(build(envelope=replace(ENVELOPE, to_name=None)))["To"] == "misaki@example.jp"


def test_message_id_and_date_headers() -> None:
    message = parsed(build())
    assert message["Message-ID"] == "<20250314093000.1@glowlab.example>"
    assert message["Date"] == "Fri, 14 Mar 2025 09:30:00 +0000"


def test_without_a_link_unsubscribe_is_by_mail_and_one_click_is_not_claimed() -> None:
    message = parsed(build())
    assert message["List-Unsubscribe"] == (
        "<mailto:unsubscribe@glowlab.example?subject=unsubscribe>"
    )
    # RFC 8058 one-click needs an https link; claiming it for a mailto misleads providers.
    assert message["List-Unsubscribe-Post"] is None


def test_with_a_link_one_click_unsubscribe_is_offered_first() -> None:
    link = "https://glowlab.example/unsubscribe/abc.def"
    message = parsed(build(envelope=replace(ENVELOPE, unsubscribe_url=link)))
    assert message["List-Unsubscribe"] == (
        f"<{link}>, <mailto:unsubscribe@glowlab.example?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_follow_up_carries_in_reply_to_and_references() -> None:
    message = parsed(
        build(
            envelope=replace(
                ENVELOPE,
                in_reply_to="<first.1@glowlab.example>",
                references=("<first.1@glowlab.example>", "<reply.2@example.jp>"),
            )
        )
    )
    assert message["In-Reply-To"] == "<first.1@glowlab.example>"
    assert message["References"] == "<first.1@glowlab.example> <reply.2@example.jp>"


def test_a_first_message_has_no_threading_headers() -> None:
    message = parsed(build())
    assert (message["In-Reply-To"], message["References"]) == (None, None)


def test_without_html_the_message_is_plain_text_with_the_footer() -> None:
    message = parsed(build())
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == JAPANESE_TEXT + "\n" + JAPANESE_FOOTER


def test_with_html_the_message_is_multipart_alternative() -> None:
    message = parsed(build(html="<p>佐藤美咲様</p>\n"))
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]


def test_the_footer_is_in_both_parts() -> None:
    message = parsed(build(html="<p>佐藤美咲様</p>\n"))
    text_part, html_part = message.iter_parts()
    assert text_part.get_content() == JAPANESE_TEXT + "\n" + JAPANESE_FOOTER
    assert html_part.get_content() == (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        "<p>佐藤美咲様</p>\n\n"
        '<p style="color:#666;font-size:12px">--<br>\n'
        "今後このようなご連絡が不要な場合は、「配信停止」とご返信ください。"
        "以後ご連絡はいたしません。<br>\n"
        "送信者：Luna at Glowlab &lt;luna@glowlab.example&gt;</p>\n"
        "</body></html>\n"
    )


BREAKS = ["\r\n", "\n", "\r", "\u2028", "\x00"]


@pytest.mark.parametrize("mark", BREAKS, ids=["crlf", "lf", "cr", "u2028", "nul"])
def test_a_subject_with_a_line_break_is_header_injection(mark: str) -> None:
    with pytest.raises(HeaderInjection) as caught:
        build(subject=f"新作のご紹介{mark}Bcc: everyone@example.com")
    assert caught.value.header == "Subject"


@pytest.mark.parametrize("mark", BREAKS, ids=["crlf", "lf", "cr", "u2028", "nul"])
def test_a_recipient_name_with_a_line_break_is_header_injection(mark: str) -> None:
    with pytest.raises(HeaderInjection) as caught:
        build(envelope=replace(ENVELOPE, to_name=f"佐藤美咲{mark}Bcc: everyone@example.com"))
    assert caught.value.header == "To"


@pytest.mark.parametrize("mark", BREAKS, ids=["crlf", "lf", "cr", "u2028", "nul"])
def test_a_sender_name_with_a_line_break_is_header_injection(mark: str) -> None:
    with pytest.raises(HeaderInjection) as caught:
        build(
            envelope=replace(
                ENVELOPE, from_header=f"Luna{mark}Bcc: everyone@example.com <luna@glowlab.example>"
            )
        )
    assert caught.value.header == "From"


def test_a_reference_with_a_line_break_is_header_injection() -> None:
    with pytest.raises(HeaderInjection) as caught:
        build(
            envelope=replace(
                ENVELOPE,
                references=("<first.1@glowlab.example>\r\nBcc: everyone@example.com",),
            )
        )
    assert caught.value.header == "References"


def test_header_injection_names_the_header_in_its_message() -> None:
    with pytest.raises(HeaderInjection) as caught:
        check_header_value("Subject", "ご案内\r\nBcc: everyone@example.com")
    assert str(caught.value) == "the Subject header would contain a line break"


def test_a_clean_header_value_passes_the_check() -> None:
    check_header_value("Subject", "新作セラムのご紹介 ✨ 글로우 세럼")


@pytest.mark.parametrize(
    ("language", "text", "encoding"),
    [
        ("en", "Hi Emma,\n\nI loved your spring skincare post.\n", "7bit"),
        ("ja", JAPANESE_TEXT, "base64"),
        ("ko", "김민지님, 안녕하세요. 글로우랩의 루나입니다.\n", "base64"),
        (
            "fr",
            "Bonjour Camille,\n\nJ'ai adoré votre dernière vidéo sur les soins.\n",
            "quoted-printable",
        ),
    ],
    ids=["ascii", "japanese", "korean", "french"],
)
def test_transfer_encoding_suits_the_text(language: str, text: str, encoding: str) -> None:
    message = parsed(build(text=text, footer=opt_out_footer(language, LUNA, None)))
    assert message["Content-Transfer-Encoding"] == encoding


def test_an_ascii_html_part_is_sent_7bit() -> None:
    message = parsed(
        build(
            text="Hi Emma,\n",
            html="<p>Hi Emma, I loved your spring skincare post.</p>",
            footer=ENGLISH_FOOTER,
        )
    )
    assert list(message.iter_parts())[1]["Content-Transfer-Encoding"] == "7bit"


def test_a_japanese_html_part_is_sent_base64() -> None:
    message = parsed(
        build(
            html="<p>佐藤美咲様</p><p>はじめまして。GlowlabのLunaです。新作セラムのご紹介です。</p>"
        )
    )
    assert list(message.iter_parts())[1]["Content-Transfer-Encoding"] == "base64"


def test_the_wire_bytes_are_ascii_and_every_line_is_at_most_998_octets() -> None:
    message = build(subject="新作セラムのご紹介" * 30, html="<p>佐藤美咲様</p>\n" * 200)
    data = wire(message)
    assert data.isascii()
    assert max(len(line) for line in data.split(b"\r\n")) <= 998


def test_a_long_ascii_line_in_the_text_stays_within_998_octets() -> None:
    link = "https://glowlab.example/c/spring?" + "utm_content=serum&" * 70
    message = build(text=f"Hi Emma,\n\nHere is the brief: {link}\n", footer=ENGLISH_FOOTER)
    assert max(len(line) for line in wire(message).split(b"\r\n")) <= 998


def test_a_long_single_line_html_part_stays_within_998_octets() -> None:
    html = "<div>" + "<p>Hi Emma, here is our spring serum brief.</p>" * 40 + "</div>"
    message = build(text="Hi Emma,\n", html=html, footer=ENGLISH_FOOTER)
    assert max(len(line) for line in wire(message).split(b"\r\n")) <= 998


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("=?utf-8?b?YQ0KQmNjOiBldmlsQHguZXhhbXBsZQ==?=", "an RFC 2047 encoded word ('=?...?=')"),
        ("Eve =?utf-8?q?evil=40x.example=2C?=", "an RFC 2047 encoded word ('=?...?=')"),
        ("Eve\x0bvt\x0cff", "a control character"),
        ("Eve\x00", "a control character"),
        ("Eve\x1b[31m", "a control character"),
    ],
)
def test_encoded_words_and_control_characters_never_reach_a_header(value: str, what: str) -> None:
    with pytest.raises(HeaderInjection) as refused:
        check_header_value("To", value)

    assert str(refused.value) == f"the To header would contain {what}"


def test_a_tab_and_ordinary_punctuation_are_fine_in_a_header() -> None:
    check_header_value("Subject", "Re:\t春の新作 — 100% vegan? (광고) =?not an encoded word")
