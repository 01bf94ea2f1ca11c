"""Parsing with headers read once: the same answers as policy.default, parsed only once."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from outreach.core.mail_policy import READ_ONCE

RAW = (
    b"From: =?utf-8?b?5L2Q6Jek576O5ZKy?= <misaki@mail.example>\r\n"
    b"Subject: =?utf-8?b?44GU6YCj57Wh44GC44KK44GM44Go44GG44GU44GW44GE44G+44GZ?=\r\n"
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    b"44GC44KK44GM44Go44GG\r\n"
)


def test_headers_and_body_read_as_policy_default_reads_them() -> None:
    ours, theirs = (
        message_from_bytes(RAW, policy=READ_ONCE),
        message_from_bytes(RAW, policy=default),
    )

    for name in ("From", "Subject", "Content-Type"):
        assert str(ours[name]) == str(theirs[name])
    assert ours["From"].addresses == theirs["From"].addresses
    assert ours.get_content() == theirs.get_content() == "ありがとう"


def test_a_header_read_again_is_not_parsed_again() -> None:
    message = message_from_bytes(RAW, policy=READ_ONCE)

    plain = message_from_bytes(RAW, policy=default)

    assert message["Content-Type"] is message["Content-Type"]
    assert plain["Content-Type"] is not plain["Content-Type"]  # what it saves: a parse per read
