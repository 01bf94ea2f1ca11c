"""Mail to the brand's own address: rights about to expire, the daily report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr


def rights_warning_text(rows: Sequence[tuple[str, date, int, str, str]], warn_days: int) -> str:
    """The body listing (handle, end date, days left, channels, content URL), soonest first."""
    lines = [f"Usage rights ending within {warn_days} days. Renew them with the creator, or "
             "stop using the content on these channels by the end date.", ""]  # fmt: skip
    for handle, ends_on, days_left, channels, url in rows:
        left = "today" if days_left == 0 else f"in {days_left} day" + ("s" * (days_left != 1))
        lines.append(f"- @{handle}: {channels} until {ends_on} (ends {left})\n  {url}")
    lines += ["", "See them all with `outreach rights list --expiring "
              f"{warn_days}` or in `outreach report`."]  # fmt: skip
    return "\n".join(lines) + "\n"


def notice_bytes(
    sender: str, to: str, subject: str, text: str, now: datetime, html: str | None = None
) -> bytes:
    """A plain notice (with an optional HTML alternative) as wire bytes."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this, please
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()
