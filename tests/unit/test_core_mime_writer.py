"""The MIME writer: what it writes reads back exactly, within the line limits, for any text."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from outreach.core.mime_writer import (
    address_header,
    encoded_words,
    fold,
    header,
    message_text,
    text_part,
)

TEXTS = [
    "Hi Emma,\n\nI loved your post.\n",
    "佐藤美咲様\n\nはじめまして。\n",
    "Café au lait =3D not a code; a tab\there and spaces at the end   \nnext\n",
    "a line of 1200 characters: " + "x" * 1200 + "\n",
    ".a line starting with a dot\nFrom the start of a line\n=\n",
    "emoji 🌿✨ and 한국어, mixed with ASCII that goes on for a while " * 10,
    "no final line break",
    "",
]


def content(part: EmailMessage) -> str:
    """A part's text; line breaks are CR LF on the wire by definition, whatever the part."""
    return str(part.get_content()).replace("\r\n", "\n")


def read_back(headers: list[str], parts: list[tuple[str, str]]) -> EmailMessage:
    data = message_text(headers, parts).encode("ascii")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_part_reads_back_exactly(text: str) -> None:
    message = read_back(["Subject: x"], [text_part(text, "plain")])
    # A last line without its line end gets one: a text part is lines.
    assert content(message) in (text, text + "\n")
    assert not message.defects


@pytest.mark.parametrize("text", TEXTS)
def test_both_alternatives_read_back_exactly(text: str) -> None:
    html = f"<p>{text}</p>\n"
    message = read_back(["Subject: x"], [text_part(text + "\n", "plain"), text_part(html, "html")])
    plain, rich = message.iter_parts()
    assert (content(plain), content(rich)) == (text + "\n", html)
    assert message.get_content_type() == "multipart/alternative"


@pytest.mark.parametrize(
    "subject",
    ["Collaboration", "新作セラムのご紹介" * 40, "(광고) 글로우 세럼 협업 제안 🌿", "word " * 60,
     "Re: " + "y" * 950, "Café"],
)  # fmt: skip
def test_a_subject_reads_back_exactly_on_lines_within_the_limits(subject: str) -> None:
    message = read_back([header("Subject", subject)], [text_part("x\n", "plain")])
    assert message["Subject"] == subject
    assert max(len(line) for line in header("Subject", subject).split("\r\n")) <= 998


def test_encoded_words_hold_whole_characters_and_stay_short() -> None:
    words = encoded_words("가" * 50 + "🌿" * 20)
    assert all(len(word) <= 75 for word in words)  # RFC 2047 section 2
    for word in words:
        decoded = email.header.decode_header(word)[0][0]
        assert isinstance(decoded, bytes)
        decoded.decode("utf-8")  # raises if a character was cut in two


def test_an_ascii_name_with_specials_is_quoted_and_a_japanese_one_encoded() -> None:
    assert address_header("From", "Smith, Jo", "jo@x.example") == (
        'From: "Smith, Jo" <jo@x.example>'
    )
    assert address_header("To", None, "jo@x.example") == "To: jo@x.example"
    assert address_header("To", "佐藤美咲", "m@x.example") == (
        "To: =?utf-8?b?5L2Q6Jek576O5ZKy?= <m@x.example>"
    )


def test_folding_keeps_the_words_and_never_leaves_a_blank_line() -> None:
    line = "References: " + " ".join(f"<message.{n}@glowlab.example>" for n in range(12))
    folded = fold(line)
    assert all(len(piece) <= 78 for piece in folded.split("\r\n"))
    assert all(piece.strip() for piece in folded.split("\r\n"))
    assert folded.replace("\r\n", "") == line
