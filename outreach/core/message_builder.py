"""Build a correct RFC 5322 message from rendered text; no header can smuggle another."""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import format_datetime
from typing import cast

from outreach.core.addresses import split_address
from outreach.core.mime_writer import address_header, fold, header, message_text, text_part
from outreach.core.rendered import RenderedMessage

_BREAKS = ("\r", "\n", "\u2028", "\u2029", "\x85")
# The email package decodes "=?utf-8?b?...?=" found in a header value, so an encoded CR LF
# would become a real line break on the wire (RFC 2047 section 5 forbids that decoding
# anyway): such text is refused, never passed on.
# Unicode category Cc (C0, DEL and C1 controls) except the tab, which folding may use.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
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
    if _CONTROL.search(value):
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
    from_name, from_address = split_address(envelope.from_header)
    headers = [
        address_header("From", from_name, from_address),
        address_header("To", envelope.to_name, envelope.to_address),
        header("Subject", rendered.subject),
        f"Date: {format_datetime(envelope.date)}",
        f"Message-ID: {envelope.message_id}",
    ]
    if envelope.in_reply_to:
        headers.append(f"In-Reply-To: {envelope.in_reply_to}")
    if envelope.references:
        headers.append(fold("References: " + " ".join(envelope.references)))
    # RFC 2369: how to unsubscribe, which mail clients show as a button; RFC 8058: the https
    # link takes one POST, no page, and is announced only when there is one.
    headers.append(fold(f"List-Unsubscribe: {_list_unsubscribe(envelope)}"))
    if envelope.unsubscribe_url:
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    # Every header value was checked above; the writer encodes and folds, nothing else.
    parts = [text_part(text, "plain")]
    if html is not None:
        parts.append(text_part(html, "html"))
    data = message_text(headers, parts).encode("ascii")
    return BuiltMessage(data=data, text=text, html=html)


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


def _html_document(html_body: str, footer: str) -> str:
    from html import escape

    footer_html = "<br>\n".join(escape(line) for line in footer.strip().splitlines())
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        f"{html_body}\n"
        f'<p style="color:#666;font-size:12px">{footer_html}</p>\n</body></html>\n'
    )
