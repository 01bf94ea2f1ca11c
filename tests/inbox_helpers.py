"""Inbox test helpers: a workspace whose proposals went out, and replies to put in the inbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator, Enrollment, Message
from outreach.bootstrap import bootstrap
from outreach.core.retry import RetryPolicy
from outreach.services.app import App
from outreach.services.enrollment import enroll
from outreach.services.importing import import_creators
from tests.imap_server import DovecotTestServer
from tests.smtp_server import SmtpTestServer

START = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # Tuesday 10:30 in Tokyo and Seoul
NO_GAPS = "[limits]\nmin_gap_seconds = 0\njitter_seconds = 0\n\n[[steps]]"


def inbox_app(
    workspace: Path, smtp: SmtpTestServer, imap: DovecotTestServer,
    extra: Mapping[str, str] | None = None,
) -> App:  # fmt: skip
    """The sample workspace with every creator enrolled, no window or gaps, both servers set."""
    campaign = workspace / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    head, steps = text.split("[limits]")[0], text.split("[[steps]]", 1)[1]
    without_window = head.replace("[window]", "[unused]").split("[unused]")[0]
    campaign.write_text(_notes_optional(without_window + NO_GAPS + steps), encoding="utf-8")
    environ = {**inbox_environment(smtp, imap), **(extra or {})}
    app = bootstrap(workspace, environ=environ, retry=RetryPolicy(1, 0, 1))
    with app.session() as session:
        import_creators(session, workspace / "contacts/creators.csv", START)
        enroll(session, find_campaign(app.schedules, "spring-serum"), START, 90)
    return app


def inbox_environment(smtp: SmtpTestServer, imap: DovecotTestServer) -> dict[str, str]:
    """OUTREACH_* settings for both test servers, plain connections."""
    return {
        "OUTREACH_SMTP_HOST": smtp.host, "OUTREACH_SMTP_PORT": str(smtp.port),
        "OUTREACH_SMTP_SECURITY": "none", "OUTREACH_IMAP_HOST": imap.host,
        "OUTREACH_IMAP_PORT": str(imap.port), "OUTREACH_IMAP_SECURITY": "none",
        "OUTREACH_IMAP_USER": imap.user, "OUTREACH_IMAP_PASSWORD": imap.password,
        "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
    }  # fmt: skip


def sent_to(app: App, handle: str) -> Message:
    """The one message sent to this creator."""
    with app.session() as session:
        creator = session.exec(select(Creator).where(Creator.handle == handle)).one()
        return session.exec(select(Message).where(Message.creator_id == creator.id)).one()


def state_of(app: App, handle: str) -> str:
    """The state of the creator's one enrolment."""
    with app.session() as session:
        creator = session.exec(select(Creator).where(Creator.handle == handle)).one()
        return (
            session.exec(select(Enrollment).where(Enrollment.creator_id == creator.id)).one().state
        )


def reply(to: Message, sender: str, body: str, subject: str = "Re: hello") -> bytes:
    """A plain reply to our message, quoting it Gmail-style."""
    return (
        f"From: {sender}\r\nTo: {to.from_address}\r\nSubject: {subject}\r\n"
        f"Message-ID: <r-{abs(hash(body))}@mail.example>\r\nIn-Reply-To: {to.message_id}\r\n"
        f"Date: Tue, 01 Dec 2026 12:00:00 +0900\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n\r\nOn Tue, Dec 1, 2026 at 10:30 AM Luna at Glowlab <luna@glowlab.example> "
        "wrote:\r\n> our proposal\r\n"
    ).encode()


def bounce_for(to: Message) -> bytes:
    """A Postfix-style RFC 3464 bounce of our message."""
    return (
        "From: MAILER-DAEMON@mail.example\r\nTo: luna@glowlab.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b-1@mail.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
        ' boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n'
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example"
        f"\r\n\r\nFinal-Recipient: rfc822; {to.to_address}\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {to.message_id}\r\nTo: {to.to_address}\r\n\r\n--B--\r\n"
    ).encode()


def _notes_optional(text: str) -> str:
    """These tests are about the send path: every sample creator's proposal may go."""
    return text.replace('personal = "required"', 'personal = "optional"')
