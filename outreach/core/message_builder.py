"""Build a correct RFC 5322 message from rendered text; no header can smuggle another."""

from __future__ import annotations

import email.policy
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.charset import BASE64, QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, parseaddr
from typing import cast

from outreach.core.rendered import RenderedMessage

_BREAKS = ("\r", "\n", "\u2028", "\u2029", "\x85")
# The email package decodes "=?utf-8?b?...?=" found in a header value, so an encoded CR LF
# would become a real line break on the wire (RFC 2047 section 5 forbids that decoding
# anyway): such text is refused, never passed on.
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


class HeaderInjection(ValueError):
    """A header value could smuggle a second header: a line break, control or encoded text."""

    def __init__(self, header: str, what: str = "a line break") -> None:
        self.header = header
        super().__init__(f"the {header} header would contain {what}")


@dataclass(frozen=True)
class Envelope:
    """Everything about a message that is not its text."""

    from_header: str
    to_name: str | None
    to_address: str
    message_id: str
    date: datetime
    unsubscribe_address: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = field(default_factory=tuple)
    unsubscribe_url: str | None = None  # the signed one-click link (RFC 8058), when served


def check_header_value(header: str, value: str) -> None:
    """Refuse a header value holding a line break, a control character or an encoded word."""
    if any(mark in value for mark in _BREAKS):
        raise HeaderInjection(header)
    if any(unicodedata.category(char) == "Cc" and char != "\t" for char in value):
        raise HeaderInjection(header, "a control character")
    if _ENCODED_WORD.search(value):
        raise HeaderInjection(header, "an RFC 2047 encoded word ('=?...?=')")


@dataclass(frozen=True)
class BuiltMessage:
    """A finished message: the exact bytes for SMTP and the text of each part as sent."""

    data: bytes  # RFC 5322, CRLF line ends, 7-bit
    text: str
    html: str | None

    def parsed(self) -> EmailMessage:
        """The message read back, for showing it (headers decoded, parts by type)."""
        return cast(EmailMessage, message_from_bytes(self.data, policy=email.policy.default))


def build_message(rendered: RenderedMessage, envelope: Envelope, footer: str) -> BuiltMessage:
    """A multipart/alternative (or plain) UTF-8 message with List-Unsubscribe headers."""
    if rendered.subject is None:
        raise ValueError("a follow-up needs its thread's subject before it is built")
    _check_headers(rendered.subject, envelope)
    text = rendered.text + "\n" + footer
    html = _html_document(rendered.html, footer) if rendered.html is not None else None
    # The classic email.mime API builds and flattens this message about four times faster
    # than EmailMessage (measured by bench/bench_compose.py); every header value was
    # checked above, and non-ASCII ones are RFC 2047 encoded by Header and formataddr.
    message: Message = _text_part(text, "plain")
    if html is not None:
        message = MIMEMultipart("alternative", _subparts=[message, _text_part(html, "html")])
    else:
        message["MIME-Version"] = "1.0"
    from_name, from_address = parseaddr(envelope.from_header)
    headers = [
        ("From", formataddr((from_name, from_address), charset="utf-8")),
        ("To", formataddr((envelope.to_name or "", envelope.to_address), charset="utf-8")),
        ("Subject", _subject(rendered.subject)),
        ("Date", format_datetime(envelope.date)),
        ("Message-ID", envelope.message_id),
        ("In-Reply-To", envelope.in_reply_to),
        ("References", " ".join(envelope.references) or None),
        # RFC 2369: how to unsubscribe, which mail clients show as a button; RFC 8058: the
        # https link takes one POST, no page, and is announced only when there is one.
        ("List-Unsubscribe", _list_unsubscribe(envelope)),
        ("List-Unsubscribe-Post",
         "List-Unsubscribe=One-Click" if envelope.unsubscribe_url else None),
    ]  # fmt: skip
    _put_first(message, [(name, value) for name, value in headers if value is not None])
    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=_WIRE).flatten(message)
    return BuiltMessage(data=buffer.getvalue(), text=text, html=html)


_WIRE = email.policy.compat32.clone(linesep="\r\n")


def _subject(subject: str) -> str | Header:
    return subject if subject.isascii() else Header(subject, "utf-8")


def _put_first(message: Message, headers: list[tuple[str, str | Header]]) -> None:
    """Envelope headers first, then the MIME ones, as mail programs write them."""
    mime: list[tuple[str, str | Header]] = list(message.items())
    for name in {name for name, _ in mime}:
        del message[name]
    for name, value in [*headers, *mime]:
        message[name] = value  # type: ignore[assignment]  # compat32 takes Header objects


def _text_part(content: str, subtype: str) -> Message:
    part = MIMENonMultipart("text", subtype)
    encoding = _transfer_encoding(content)
    if encoding == "7bit":
        part.set_payload(content, "us-ascii")
    else:
        charset = Charset("utf-8")
        charset.body_encoding = BASE64 if encoding == "base64" else QP
        part.set_payload(content, charset)
    del part["MIME-Version"]  # belongs on the whole message only (RFC 2045 section 4)
    return part


def _list_unsubscribe(envelope: Envelope) -> str:
    mailto = f"<mailto:{envelope.unsubscribe_address}?subject=unsubscribe>"
    return f"<{envelope.unsubscribe_url}>, {mailto}" if envelope.unsubscribe_url else mailto


def _check_headers(subject: str, envelope: Envelope) -> None:
    check_header_value("Subject", subject)
    check_header_value("From", envelope.from_header)
    check_header_value("To", f"{envelope.to_name or ''} {envelope.to_address}")
    check_header_value("Message-ID", envelope.message_id)
    check_header_value("List-Unsubscribe", envelope.unsubscribe_address)
    check_header_value("List-Unsubscribe", envelope.unsubscribe_url or "")
    for reference in (envelope.in_reply_to or "", *envelope.references):
        check_header_value("References", reference)


def _transfer_encoding(text: str) -> str:
    # 7bit/quoted-printable/base64 pass every relay, unlike 8bit (which needs 8BITMIME);
    # base64 keeps Japanese and Korean text a third the size quoted-printable would.
    non_ascii = sum(1 for char in text if ord(char) > 127)
    # RFC 5322 section 2.1.1: no line over 998 octets; quoted-printable folds long ones.
    if not non_ascii and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    return "base64" if non_ascii * 5 > len(text) else "quoted-printable"


def _html_document(html_body: str, footer: str) -> str:
    from html import escape

    footer_html = "<br>\n".join(escape(line) for line in footer.strip().splitlines())
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        f"{html_body}\n"
        f'<p style="color:#666;font-size:12px">{footer_html}</p>\n</body></html>\n'
    )
