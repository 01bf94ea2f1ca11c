"""What an inbound message is: a bounce, an auto-reply, an opt-out, or a person's reply."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from email.message import EmailMessage, MIMEPart
from email.utils import getaddresses, parsedate_to_datetime
from enum import StrEnum

from outreach.core.auto_replies import read_auto_reply
from outreach.core.bounce_reading import Bounce, read_bounce
from outreach.core.languages import detect_language
from outreach.core.new_text import new_text
from outreach.core.opt_outs import opt_out_request

# Header values are cut to this before anything parses them: the standard library's header
# parser is quadratic (a 1 MB Subject of words takes 30 s, one of encoded words exhausts memory),
# and no real header comes near it (a References header of 200 Message-IDs is ~12,000).
MAX_HEADER_CHARS = 16_000
# Attachments larger than this are emptied before reading: no reader needs their bytes, and
# flufl.bounce scans every line of every part (8 s for a reply with a 20 MB photo).
MAX_ATTACHMENT_CHARS = 1_000_000


class InboundKind(StrEnum):
    """The kinds an inbound message is classified into, in the order they are tried."""

    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    OPT_OUT = "opt_out"
    REPLY = "reply"
    # Not a reading of its own: a bounce that turns out to be a delay notice ("will keep
    # trying") is stored as this, so no count or list takes it for a bounce.
    DELAY = "delay"


@dataclass(frozen=True)
class Reading:
    """The classification of one inbound message and the facts it rests on."""

    kind: InboundKind
    message_id: str | None
    references: tuple[str, ...]  # In-Reply-To first, then References, newest first
    sender: str | None
    subject: str
    sent_at: datetime | None
    text: str
    language: str | None
    bounce: Bounce | None = None
    return_date: date | None = None


def read_inbound(
    message: EmailMessage, received: datetime, sent_subject: str | None = None
) -> Reading:
    """Classify in the issue's order: bounce, auto-reply, opt-out, human reply.

    `sent_subject` is the subject of our message it answers, when known (see `read_auto_reply`).
    Over-long header values and large attachments of `message` are cut in place first (see
    MAX_HEADER_CHARS and MAX_ATTACHMENT_CHARS).
    """
    _cut_long_headers(message)
    _empty_large_attachments(message)
    plain, html = _bodies(message)
    text = new_text(plain, html)
    reply = _from_headers(message, InboundKind.REPLY, text, detect_language(text))
    bounce = read_bounce(message)
    if bounce is not None:
        return replace(reply, kind=InboundKind.BOUNCE, bounce=bounce)
    return read_as_answer(reply, message, received, sent_subject)


UNREADABLE_BODY = "(the body could not be read; see the raw message)"


def read_headers_only(message: EmailMessage) -> Reading:
    """What the headers alone say of a message whose body cannot be read (nested too deep,
    broken beyond parsing): enough to match it to our message and stop the sequence.

    It is a reply, unless its headers say it was sent automatically.
    """
    automatic = (_header(message, "Auto-Submitted") or "no").lower() != "no"
    kind = InboundKind.AUTO_REPLY if automatic else InboundKind.REPLY
    return _from_headers(message, kind, UNREADABLE_BODY, None)


def _from_headers(
    message: EmailMessage, kind: InboundKind, text: str, language: str | None
) -> Reading:
    """A reading of this kind and text, with everything else taken from the headers."""
    return Reading(
        kind=kind,
        message_id=_header(message, "Message-ID"),
        references=_references(message),
        sender=_sender(message),
        subject=_header(message, "Subject") or "",
        sent_at=_date(message),
        text=text,
        language=language,
    )


def read_as_answer(
    reading: Reading, message: EmailMessage, received: datetime, sent_subject: str | None = None
) -> Reading:
    """`reading` of `message` classified again as anything but a bounce.

    For when more is known than `read_inbound` knew: the subject of our message it answers.
    """
    reply = replace(reading, kind=InboundKind.REPLY, bounce=None, return_date=None)
    auto = read_auto_reply(message, received, sent_subject)
    if auto is not None:
        return replace(reply, kind=InboundKind.AUTO_REPLY, return_date=auto.return_date)
    if opt_out_request(reply.text) or _unsubscribe_subject(reply.subject):
        return replace(reply, kind=InboundKind.OPT_OUT)
    return reply


def _cut_long_headers(message: EmailMessage) -> None:
    for part in message.walk():
        items = list(part.raw_items())
        if all(len(value) <= MAX_HEADER_CHARS for _, value in items):
            continue
        for name in {name.lower() for name, _ in items}:
            del part[name]
        for name, value in items:  # the same order, every value within the limit
            part.set_raw(name, value[:MAX_HEADER_CHARS])


def _empty_large_attachments(message: EmailMessage) -> None:
    for part in message.walk():
        if part.get_content_maintype() in ("text", "message", "multipart"):
            continue
        payload = part.get_payload()
        if isinstance(payload, str) and len(payload) > MAX_ATTACHMENT_CHARS:
            part.set_payload("")


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # a malformed header is a missing header, not a crash
        return None
    return " ".join(str(value).split()) if value is not None else None


def _references(message: EmailMessage) -> tuple[str, ...]:
    ids: list[str] = []
    for name in ("In-Reply-To", "References"):
        value = _header(message, name) or ""
        found = [part for part in value.replace(",", " ").split() if part.startswith("<")]
        ids += reversed(found) if name == "References" else found
    return tuple(dict.fromkeys(ids))


def _sender(message: EmailMessage) -> str | None:
    value = _header(message, "Reply-To") or _header(message, "From")
    if not value:
        return None
    addresses = [address for _, address in getaddresses([value]) if "@" in address]
    return addresses[0].lower() if addresses else None


def _date(message: EmailMessage) -> datetime | None:
    return parsed_date(_header(message, "Date"))


def parsed_date(value: str | None) -> datetime | None:
    """A Date header's moment (None when missing or unreadable)."""
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _unsubscribe_subject(subject: str) -> bool:
    # The mailto in our List-Unsubscribe header asks for exactly this subject.
    return subject.strip().lower() in {"unsubscribe", "配信停止", "수신거부"}


def _bodies(message: EmailMessage) -> tuple[str | None, str | None]:
    plain = html = None
    for subtype in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(subtype,))
            content = _text_of(part) if part is not None else None
        except Exception:  # broken MIME: keep what can be read
            content = None
        if subtype == "plain":
            plain = content
        else:
            html = content
    return plain, html


def _text_of(part: MIMEPart) -> str | None:
    try:
        content = part.get_content()
    except LookupError:
        # A charset Python does not know ("x-no-such-charset", a typo): the bytes are nearly
        # always ASCII or UTF-8, so read them as UTF-8 rather than lose the whole reply.
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else None
    return content if isinstance(content, str) else None
