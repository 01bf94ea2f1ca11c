"""Build a correct RFC 5322 message from rendered text; no header can smuggle another."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from outreach.core.rendering import RenderedMessage

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


def check_header_value(header: str, value: str) -> None:
    """Refuse a header value holding a line break, a control character or an encoded word."""
    if any(mark in value for mark in _BREAKS):
        raise HeaderInjection(header)
    if any(unicodedata.category(char) == "Cc" and char != "\t" for char in value):
        raise HeaderInjection(header, "a control character")
    if _ENCODED_WORD.search(value):
        raise HeaderInjection(header, "an RFC 2047 encoded word ('=?...?=')")


def build_message(rendered: RenderedMessage, envelope: Envelope, footer: str) -> EmailMessage:
    """A multipart/alternative (or plain) UTF-8 message with List-Unsubscribe headers."""
    if rendered.subject is None:
        raise ValueError("a follow-up needs its thread's subject before it is built")
    _check_headers(rendered.subject, envelope)
    message = EmailMessage()
    from_name, from_address = parseaddr(envelope.from_header)
    message["From"] = _address(from_name, from_address)
    message["To"] = _address(envelope.to_name or "", envelope.to_address)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    if envelope.in_reply_to:
        message["In-Reply-To"] = envelope.in_reply_to
    if envelope.references:
        message["References"] = " ".join(envelope.references)
    # RFC 2369 and RFC 8058: one-click unsubscribe, which mail clients show as a button.
    message["List-Unsubscribe"] = f"<mailto:{envelope.unsubscribe_address}?subject=unsubscribe>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = rendered.text + "\n" + footer
    message.set_content(text, charset="utf-8", cte=_transfer_encoding(text))
    if rendered.html is not None:
        html = _html_document(rendered.html, footer)
        message.add_alternative(html, subtype="html", cte=_transfer_encoding(html))
    return message


def _check_headers(subject: str, envelope: Envelope) -> None:
    check_header_value("Subject", subject)
    check_header_value("From", envelope.from_header)
    check_header_value("To", f"{envelope.to_name or ''} {envelope.to_address}")
    check_header_value("Message-ID", envelope.message_id)
    check_header_value("List-Unsubscribe", envelope.unsubscribe_address)
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


def _address(display_name: str, address: str) -> Address:
    local, _, domain = address.rpartition("@")
    return Address(display_name=display_name, username=local, domain=domain)


def _html_document(html_body: str, footer: str) -> str:
    from html import escape

    footer_html = "<br>\n".join(escape(line) for line in footer.strip().splitlines())
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        f"{html_body}\n"
        f'<p style="color:#666;font-size:12px">{footer_html}</p>\n</body></html>\n'
    )
