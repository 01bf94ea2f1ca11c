"""Reading bounces: who failed, whether for good, and which message of ours it was.

`read_bounce` understands RFC 3464 delivery-status reports itself (per-recipient Action, Status,
Diagnostic-Code) and hands the many non-standard formats (qmail, Exim, Postfix without DSN,
Exchange, Yahoo, AOL, GroupWise, Domino...) to `flufl.bounce`, Mailman's bounce detector; a last
heuristic pass covers carriers neither knows (Japanese carriers, bare "undeliverable" notices).

Hard means *the address itself* is permanently bad (no such user, no such domain, moved): the
caller suppresses it at once.  A permanent failure that blames the message or the mailbox's state
(mailbox full, spam or policy rejection, message too large, disabled account) is soft: the caller
retries and suppresses after repeated soft bounces.  A 5.7.x code with words of a content filter
("spam", "blocked", "policy", "content", "reputation") is such a rejection even where the MTA's
Status says 5.1.1.  `reason` is one of the tokens in `REASONS`.

Pure: takes a parsed `email.message.EmailMessage`, returns a frozen dataclass, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import getaddresses

REASONS = (
    "user_unknown",
    "host_unknown",
    "mailbox_full",
    "mailbox_disabled",
    "message_too_large",
    "blocked",
    "expired",
    "delayed",
    "other",
)
_HARD_REASONS = frozenset({"user_unknown", "host_unknown"})


@dataclass(frozen=True)
class Bounce:
    recipients: tuple[str, ...]
    hard: bool
    status: str | None
    reason: str
    original_message_id: str | None
    # A delay notice ("will keep trying", DSN Action: delayed): nothing has failed yet.
    delayed: bool = False
    # What the server said, in its own words (a Diagnostic-Code or the notice's telling line):
    # shown to people, not part of what the bounce means.
    server_text: str = field(default="", compare=False)


_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<![\d.\-])([45][0-5]\d)(?:[ \-]|$)", re.M)
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_NOT_RECIPIENT = re.compile(r"(?i)^(mailer-daemon|postmaster|root|noreply|no-reply|bounce)")

_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "mailbox_full",
        re.compile(
            r"(?i)over ?quota|quota (?:exceeded|full)|exceeded (?:the )?(?:storage|quota)|"
            r"mailbox (?:is )?full|mail ?box.{0,20}(?:full|exceeded)|insufficient (?:disk|storage)|"
            r"out of (?:disk|storage)|storage (?:space|allocation)|容量.{0,10}(?:超|オーバー)"
        ),
    ),
    (
        "message_too_large",
        re.compile(
            r"(?i)(?:message|mail) (?:is )?too (?:large|big)|size limit|exceeds? .{0,30}size"
        ),
    ),
    (
        "user_unknown",
        re.compile(
            r"(?i)user(?:name)? (?:is )?unknown|unknown (?:user|recipient|local part|address)|"
            r"no such (?:user|mailbox|recipient|address|person)|mailbox (?:not found|unavailable|"
            r"does not exist|doesn't exist)|(?:user|recipient|address|account|mailbox) "
            r"(?:does not|doesn't|did not) exist|does not exist|"
            r"invalid (?:recipient|mailbox|address)|"
            r"recipient (?:not found|unknown|rejected)|address (?:not found|unknown|rejected)|"
            r"not a valid (?:user|mailbox|recipient)|no mailbox (?:here|by that name)|"
            r"unrouteable address|bad destination mailbox|not our customer|no longer (?:valid|"
            r"available|active|in use)|user not (?:found|listed)|not listed in|"
            r"isn't a valid|unknown or illegal alias|account .{0,40}not exist|"
            r"宛先.{0,6}(?:不明|存在しません|見つかりません)|存在しない|存在しません"
        ),
    ),
    (
        "host_unknown",
        re.compile(
            r"(?i)host (?:or domain name )?(?:not found|unknown)|unknown host|domain (?:not found|"
            r"does not exist|unknown)|unrouteable (?:mail )?domain|no mx|name service error|"
            r"nxdomain|unknown domain|no such domain|domain name not found"
        ),
    ),
    (
        "mailbox_disabled",
        re.compile(
            r"(?i)(?:account|mailbox|user) (?:is |has been )?(?:disabled|suspended|inactive|"
            r"deactivated|closed|locked|expired)|disabled (?:account|mailbox)"
        ),
    ),
    (
        "blocked",
        re.compile(
            r"(?i)spam|blocked|black ?list|block ?list|dnsbl|reputation|policy|not accepted|"
            r"refused|denied|content rejected|virus|rbl|\bptr\b|reverse dns|authenticat|"
            r"dmarc|spf|dkim|relay(?:ing)? (?:denied|not permitted)"
        ),
    ),
    (
        "expired",
        re.compile(
            r"(?i)retry (?:time(?:out)?|period) (?:exceeded|expired)|expired|gave up|giving up|"
            r"could not be delivered (?:within|for)|too long|timed? ?out"
        ),
    ),
    (
        "delayed",
        re.compile(
            r"(?i)has been delayed|not (?:yet )?been delivered|will (?:continue|keep) (?:trying|"
            r"to try)|will retry|delivery (?:is )?delayed|temporar"
        ),
    ),
)

# What a delay notice says; a notice that gave up says "will not try again" or "gave up".
_STILL_TRYING = re.compile(
    r"(?i)will (?:continue|keep) (?:trying|to try)|will (?:retry|try again)(?! no)|"
    r"delivery (?:is |has been )?delayed|has been delayed|"
    r"not (?:yet )?been delivered (?:yet|so far)|still (?:trying|retrying)"
)
_GAVE_UP = re.compile(
    r"(?i)permanent (?:error|failure)|(?:gave|given|giving) up|will not (?:try|retry)|"
    r"no (?:further|more) (?:attempts|retries)"
)

_BOUNCE_SUBJECT = re.compile(
    r"(?i)undeliver|undelivered|delivery (?:status|failure|failed|notification|problem)|"
    r"returned (?:mail|to sender)|failure notice|mail delivery (?:failed|failure|system)|"
    r"non.?delivery|could not be delivered|nondeliverable|delivery has failed|"
    r"not delivered|rejected|warning: could not send|"
    r"配信|不達|エラー|届きませんでした|送信できませんでした|未達|返送"
)
_BOUNCE_SENDER = re.compile(r"(?i)mailer-daemon|postmaster|mail delivery|mailer daemon")
_ORIGINAL_MARKER = re.compile(
    r"(?im)^.{0,20}(?:original message|returned message|message headers follow|"
    r"below this line is a copy|headers of the original|this is a copy of the message|"
    r"undelivered message|the original message was received|元のメッセージ|原文).*$"
)


def read_bounce(message: EmailMessage) -> Bounce | None:
    """The bounce `message` reports, or None when it is not a delivery failure report."""
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type", "") or "").lower()
    if content_type == "multipart/report" and report_type == "feedback-report":
        return None  # an abuse/opt-out complaint (RFC 5965), not a delivery failure
    text = _human_text(message)
    original_id = _original_message_id(message)
    from_dsn, reported = _read_dsn(message, text, original_id)
    if from_dsn is not None or reported:
        return from_dsn  # a report whose recipients were all delivered/relayed is no bounce
    looks_like_bounce = _looks_like_bounce(message, text)
    # flufl.bounce runs some twenty detectors over the whole message; a message that answers
    # a thread (In-Reply-To) from an ordinary sender under an ordinary subject is a person's
    # answer, not a mail system's report, and skipping them there halves reading a reply.
    answers_a_thread = bool(message.get("In-Reply-To")) and not looks_like_bounce
    recipients, permanent = ((), False) if answers_a_thread else _flufl_recipients(message)
    if not recipients and looks_like_bounce:
        recipients = _heuristic_recipients(message, text)
    if not recipients:
        return None
    status = _filter_status(text) or _status_in(text)
    reason = _reason(status, text, permanent=permanent)
    delayed = (
        not (status and status.startswith("5"))
        and bool(_STILL_TRYING.search(text))
        and not _GAVE_UP.search(text)
    )
    return Bounce(
        recipients=recipients,
        hard=not delayed and reason in _HARD_REASONS and (status is None or status.startswith("5")),
        status=status,
        reason=reason,
        original_message_id=original_id,
        delayed=delayed,
        server_text=_telling_line(text, status, recipients),
    )


def is_delivery_report(message: Message) -> bool:
    """Whether `message` has RFC 3464 structure: multipart/report with a delivery-status part.

    Such a report is a bounce by its form; anything else is one only by what a heuristic read.
    """
    if message.get_content_type() != "multipart/report":
        return False
    return any(
        part.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
        for part in message.walk()
    )


# --- RFC 3464 -------------------------------------------------------------------------------


def _read_dsn(message: Message, text: str, original_id: str | None) -> tuple[Bounce | None, bool]:
    """The bounce a delivery-status part reports, and whether it named any recipient."""
    blocks = _dsn_blocks(message)
    if not blocks:
        return None, False
    named = False
    recipients: list[str] = []
    statuses: list[str] = []
    actions: list[str] = []
    diagnostics: list[str] = []
    for block in blocks:
        address = _dsn_address(block.get("Original-Recipient")) or _dsn_address(
            block.get("Final-Recipient")
        )
        if address is None:
            continue
        named = True
        action = str(block.get("Action", "")).strip().lower()
        if action in ("delivered", "relayed", "expanded"):
            continue
        if address not in recipients:
            recipients.append(address)
        actions.append(action)
        status_match = _STATUS.search(str(block.get("Status", "")))
        if status_match:
            statuses.append(status_match.group(0))
        diagnostics.append(str(block.get("Diagnostic-Code", "")))
    if not recipients:
        return None, named
    diagnostic = " ".join(diagnostics)
    status = _pick_status(statuses) or _status_in(diagnostic)
    # Some MTAs write "Status: 5.0.0" and put the real code in the diagnostic.
    if status and status.endswith(".0.0"):
        detailed = _status_in(diagnostic)
        if detailed and detailed[0] == status[0]:
            status = detailed
    # A spam or policy rejection blames the message, whatever Status the MTA wrote ("5.1.1").
    status = _filter_status(diagnostic) or status
    permanent = "failed" in actions or bool(status and status.startswith("5"))
    delayed = "delayed" in actions and "failed" not in actions
    if delayed:
        permanent = False
    reason = _reason(status, diagnostic + "\n" + text, permanent=permanent)
    bounce = Bounce(
        recipients=tuple(recipients),
        hard=permanent and reason in _HARD_REASONS,
        status=status,
        reason=reason,
        original_message_id=original_id,
        delayed=delayed,
        server_text=_cut(next((d for d in diagnostics if d.strip()), ""))
        or _telling_line(text, status, tuple(recipients)),
    )
    return bounce, True


def _dsn_blocks(message: Message) -> list[Message]:
    for part in message.walk():
        if part.get_content_type() not in (
            "message/delivery-status",
            "message/global-delivery-status",
        ):
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks = [block for block in payload if isinstance(block, Message)]
            if blocks:
                return blocks
        raw = part.get_payload(decode=True)
        source = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload or "")
        return [
            HeaderParser().parsestr(chunk.strip() + "\n")
            for chunk in re.split(r"\r?\n\s*\r?\n", source)
            if chunk.strip()
        ]
    return []


def _dsn_address(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if ";" in text:
        kind, _, text = text.partition(";")
        if kind.strip().lower() not in ("rfc822", "utf-8", "x-unknown", ""):
            return None
    found = _ADDRESS.search(text)
    return found.group(0).strip(".").lower() if found else None


def _pick_status(statuses: list[str]) -> str | None:
    for wanted in ("5", "4"):
        for status in statuses:
            if status.startswith(wanted):
                return status
    return statuses[0] if statuses else None


# --- non-standard formats -------------------------------------------------------------------


def _flufl_recipients(message: Message) -> tuple[tuple[str, ...], bool]:
    try:
        from flufl.bounce import all_failures
    except ImportError:  # pragma: no cover - declared dependency
        return (), False
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # detectors are heuristics over hostile input
        return (), False
    found: list[str] = []
    for raw in [*sorted(permanent), *sorted(temporary)]:
        address = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        address = address.strip().strip("<>").lower()
        if "@" in address and address not in found:
            found.append(address)
    return tuple(found), bool(permanent)


def _looks_like_bounce(message: Message, text: str) -> bool:
    sender = str(message.get("From", ""))
    subject = str(message.get("Subject", ""))
    if str(message.get("Auto-Submitted", "")).strip().lower().startswith("auto-replied"):
        return bool(_BOUNCE_SENDER.search(sender))
    return bool(_BOUNCE_SENDER.search(sender) or _BOUNCE_SUBJECT.search(subject))


def _heuristic_recipients(message: Message, text: str) -> tuple[str, ...]:
    own = {
        address.lower()
        for _, address in getaddresses(
            [str(message.get(name, "")) for name in ("From", "To", "Return-Path", "Sender")]
        )
    }
    head = _ORIGINAL_MARKER.split(text, maxsplit=1)[0]
    found: list[str] = []
    for match in _ADDRESS.finditer(head):
        address = match.group(0).strip(".").lower()
        if address in own or _NOT_RECIPIENT.match(address) or address in found:
            continue
        found.append(address)
    if not found:
        # The failed address is usually the To: of the returned message.
        original = _original_headers(message)
        if original is not None:
            for _, address in getaddresses([str(original.get("To", ""))]):
                if address and address.lower() not in own:
                    found.append(address.lower())
    return tuple(found[:10])


# --- shared helpers -------------------------------------------------------------------------

MAX_SERVER_TEXT = 300


def _cut(text: str) -> str:
    return " ".join(text.split())[:MAX_SERVER_TEXT]


def _telling_line(text: str, status: str | None, recipients: tuple[str, ...]) -> str:
    """The line of a notice that says why: the one with the status, else the address."""
    lines = [
        line for line in _ORIGINAL_MARKER.split(text, maxsplit=1)[0].splitlines() if line.strip()
    ]
    for wanted in ([status] if status else []) + list(recipients):
        for line in lines:
            if wanted in line.lower() or wanted in line:
                return _cut(line)
    return _cut(lines[0]) if lines else ""


def _status_in(text: str) -> str | None:
    found = [match.group(0) for match in _STATUS.finditer(text)]
    return _pick_status([status for status in found if not status.startswith("2")])


_FILTER_STATUS = re.compile(r"(?<![\d.])5\.7\.\d{1,3}(?![\d.])")
_FILTER_WORDS = re.compile(
    r"(?i)spam|block|black ?list|dnsbl|spamhaus|policy|policies|content|reputation|filter"
)


def _filter_status(text: str) -> str | None:
    """The 5.7.x code of a content-filter, spam or policy rejection in `text`, if it is one.

    The words must be near the code (the same diagnostic), so a footer about spam scanning
    elsewhere in a notice does not turn "user unknown" into a rejection of the message.
    """
    for match in _FILTER_STATUS.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        window = text[max(line_start, match.start() - 200) : match.end() + 300]
        if _FILTER_WORDS.search(window):
            return match.group(0)
    return None


def _reason(status: str | None, text: str, *, permanent: bool) -> str:
    if status:
        klass, subject, detail = status.split(".")
        by_status = {
            ("1", "1"): "user_unknown",
            ("1", "0"): "user_unknown",
            ("1", "3"): "user_unknown",
            ("1", "6"): "user_unknown",
            ("1", "10"): "user_unknown",
            ("1", "2"): "host_unknown",
            ("4", "4"): "host_unknown",
            ("2", "2"): "mailbox_full",
            ("2", "1"): "mailbox_disabled",
            ("2", "3"): "message_too_large",
            ("3", "4"): "message_too_large",
        }.get((subject, detail))
        if by_status == "host_unknown" and klass == "4":
            by_status = None
        if by_status:
            return by_status
        if subject == "7":
            return "blocked"
    for name, pattern in _PHRASES:
        if pattern.search(text):
            if name in ("expired", "delayed") and status and status.startswith("5"):
                continue
            return name
    if status and status.startswith("4"):
        return "delayed"
    return "other"


def _human_text(message: Message) -> str:
    """The notice's own text parts (not the returned message), decoded as well as possible."""
    chunks: list[str] = []
    html: list[str] = []
    stack: list[Message] = [message]
    while stack:
        part = stack.pop(0)
        content_type = part.get_content_type()
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [p for p in payload if isinstance(p, Message)]
            continue
        if content_type in ("message/rfc822", "text/rfc822-headers", "message/delivery-status"):
            continue
        if part.get_content_maintype() != "text":
            continue
        body = _decoded(part)
        (html if content_type == "text/html" else chunks).append(body)
    if not chunks and html:
        chunks = [re.sub(r"<[^>]+>", " ", chunk) for chunk in html]
    return "\n".join(chunks)[:200_000]


def _decoded(part: Message) -> str:
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return str(part.get_payload() or "")
    charset = (part.get_content_charset() or "utf-8").lower()
    for candidate in (charset, "iso-2022-jp", "shift_jis", "utf-8"):
        try:
            return raw.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1")


def _original_headers(message: Message) -> Message | None:
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        elif content_type in ("text/rfc822-headers", "message/global-headers"):
            return HeaderParser().parsestr(_decoded(part).lstrip())
    return None


_MESSAGE_ID_LINE = re.compile(r"(?im)^\s*Message-ID:\s*(<[^<>\s]+>)")


def _original_message_id(message: Message) -> str | None:
    original = _original_headers(message)
    if original is not None:
        value = str(original.get("Message-ID", "") or "").strip()
        found = re.search(r"<[^<>\s]+>", value)
        if found:
            return found.group(0)
    # qmail and friends paste the returned message into the body.
    own = str(message.get("Message-ID", "") or "").strip()
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        for match in _MESSAGE_ID_LINE.finditer(_decoded(part)):
            if match.group(1) != own:
                return match.group(1)
    return None
