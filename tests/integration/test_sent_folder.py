"""Our own answers: a reply we answered from the mail program (found in Sent) stops waiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from outreach.adapters.imap_inbox import ImapInbox
from outreach.adapters.models import Inbound, Message
from outreach.daemon import Daemon
from outreach.services.app import App
from outreach.services.inbound_admin import list_inbound
from outreach.services.inbox_health import read_inbox
from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer
from tests.inbox_helpers import START, inbox_app, reply, sent_to
from tests.smtp_server import SmtpTestServer


def answer(to: str, in_reply_to: str | None, message_id: str, body: str = "Thank you!") -> bytes:
    """What a mail program stores in Sent when we answer."""
    threading = (
        f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    )
    return (
        f"From: Luna at Glowlab <luna@glowlab.example>\r\nTo: {to}\r\nSubject: Re: hello\r\n"
        f"Message-ID: {message_id}\r\n{threading}Date: Tue, 01 Dec 2026 14:00:00 +0900\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def waiting_for_us(app: App) -> set[str]:
    with app.session() as session:
        return {row.handle or "" for row in list_inbound(session, needs_response=True)}


def test_an_answer_in_sent_takes_the_reply_off_the_waiting_list(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki, minji, kenta = (sent_to(app, h) for h in ("misaki.hada", "minji.glow",
                                                              "kenta.skincare"))  # fmt: skip
        imap_server.append(reply(misaki, "misaki@mail.example", "ぜひお願いします！"))
        imap_server.append(reply(minji, "minji.kim@mail.example", "원고료는 얼마인가요?"))
        imap_server.append(reply(kenta, "kenta.tanaka@mail.example", "検討します"))
        inbox = ImapInbox(app.settings.imap)
        read_inbox(app, inbox, START + timedelta(hours=1))
        assert waiting_for_us(app) >= {"misaki.hada", "minji.glow", "kenta.skincare"}
        with app.session() as session:
            ids = {row.handle: row.inbound.header_message_id
                   for row in list_inbound(session, needs_response=True)}  # fmt: skip
        # Answered from the mail program: one threaded, one only addressed to the creator;
        # and a message outreach sent itself, also kept in Sent, answers nothing.
        imap_server.append(answer("misaki@mail.example", ids["misaki.hada"], "<a1@glowlab>"),
                           folder="Sent")  # fmt: skip
        imap_server.append(answer("minji.kim@mail.example", None, "<a2@glowlab>"), folder="Sent")
        imap_server.append(answer("kenta.tanaka@mail.example", None, kenta.message_id),
                           folder="Sent")  # fmt: skip

        report = read_inbox(app, inbox, START + timedelta(hours=6))
        again = read_inbox(app, inbox, START + timedelta(hours=7))

    assert report.counts.get("answered") == 2 and again.counts == {}
    assert waiting_for_us(app) & {"misaki.hada", "minji.glow", "kenta.skincare"} == {
        "kenta.skincare"
    }
    history = run_outreach(workspace, "history", "misaki.hada").stdout
    assert "we answered their reply" in history
    with app.session() as session:
        answered = session.exec(select(Inbound).where(Inbound.sender == "misaki@mail.example"))
        [row] = list(answered)
        assert row.handled_at is not None
        assert session.exec(select(Message).where(Message.message_id == "<a1@glowlab>")).all() == []


def test_an_account_without_a_sent_folder_is_read_as_before(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        imap_server.append(reply(sent_to(app, "misaki.hada"), "misaki@mail.example", "Yes!"))

        report = read_inbox(app, ImapInbox(app.settings.imap), START + timedelta(hours=1))

    assert report.counts == {"reply": 1} and report.sent_error is None
    assert "misaki.hada" in waiting_for_us(app)
