"""End to end: proposals out through the daemon, answers into a real IMAP mailbox, synced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.imap_inbox import ImapInbox
from outreach.adapters.models import Creator, Enrollment, Inbound, Message, Suppression
from outreach.bootstrap import bootstrap
from outreach.core.retry import RetryPolicy
from outreach.daemon import Daemon
from outreach.services.app import App
from outreach.services.enrollment import enroll
from outreach.services.importing import import_creators
from outreach.services.inbox_sync import sync_inbox
from tests.imap_server import DovecotTestServer
from tests.smtp_server import SmtpTestServer

START = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # Tuesday 10:30 in Tokyo and Seoul
NO_GAPS = "[limits]\nmin_gap_seconds = 0\njitter_seconds = 0\n\n[[steps]]"


def inbox_app(workspace: Path, smtp: SmtpTestServer, imap: DovecotTestServer) -> App:
    campaign = workspace / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    head, steps = text.split("[limits]")[0], text.split("[[steps]]", 1)[1]
    campaign.write_text(head.replace("[window]", "[unused]").split("[unused]")[0] + NO_GAPS
                        + steps, encoding="utf-8")  # fmt: skip
    environ = {
        "OUTREACH_SMTP_HOST": smtp.host, "OUTREACH_SMTP_PORT": str(smtp.port),
        "OUTREACH_SMTP_SECURITY": "none", "OUTREACH_IMAP_HOST": imap.host,
        "OUTREACH_IMAP_PORT": str(imap.port), "OUTREACH_IMAP_SECURITY": "none",
        "OUTREACH_IMAP_USER": imap.user, "OUTREACH_IMAP_PASSWORD": imap.password,
    }  # fmt: skip
    app = bootstrap(workspace, environ=environ, retry=RetryPolicy(1, 0, 1))
    with app.session() as session:
        import_creators(session, workspace / "contacts/creators.csv", START)
        enroll(session, find_campaign(app.schedules, "spring-serum"), START, 90)
    return app


def sent_to(app: App, handle: str) -> Message:
    with app.session() as session:
        creator = session.exec(select(Creator).where(Creator.handle == handle)).one()
        return session.exec(select(Message).where(Message.creator_id == creator.id)).one()


def state_of(app: App, handle: str) -> str:
    with app.session() as session:
        creator = session.exec(select(Creator).where(Creator.handle == handle)).one()
        return (
            session.exec(select(Enrollment).where(Enrollment.creator_id == creator.id)).one().state
        )


def reply(to: Message, sender: str, body: str, subject: str = "Re: hello") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to.from_address}\r\nSubject: {subject}\r\n"
        f"Message-ID: <r-{abs(hash(body))}@mail.example>\r\nIn-Reply-To: {to.message_id}\r\n"
        f"Date: Tue, 01 Dec 2026 12:00:00 +0900\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n\r\nOn Tue, Dec 1, 2026 at 10:30 AM Luna at Glowlab <luna@glowlab.example> "
        "wrote:\r\n> our proposal\r\n"
    ).encode()


def bounce_for(to: Message) -> bytes:
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


def test_replies_bounces_auto_replies_and_opt_outs_act_on_exactly_the_right_sequences(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        assert len(smtp.messages) == 7
        misaki, minji = sent_to(app, "misaki.hada"), sent_to(app, "minji.glow")
        kenta, hannah = sent_to(app, "kenta.skincare"), sent_to(app, "hannahbrooks.skin")
        imap_server.append(reply(misaki, "misaki@mail.example", "ぜひ試してみたいです！"))
        imap_server.append(bounce_for(minji))
        imap_server.append(
            reply(kenta, "kenta.tanaka@mail.example",
                  "I am out of the office until 10 December 2026.", "Out of Office")
        )  # fmt: skip
        imap_server.append(reply(hannah, "hannah@inbox.example", "Please unsubscribe me."))
        imap_server.append(b"From: someone@else.example\r\nSubject: hi\r\n\r\nhello\r\n")
        inbox = ImapInbox(app.settings.imap)

        first = sync_inbox(app, inbox, START + timedelta(hours=3))
        again = sync_inbox(app, inbox, START + timedelta(hours=4))

        assert first.counts == {"reply": 1, "bounce": 1, "auto_reply": 1, "opt_out": 1,
                                "unmatched": 1}  # fmt: skip
        assert again.counts == {}
        assert state_of(app, "misaki.hada") == "replied"
        assert state_of(app, "minji.glow") == "bounced"
        assert state_of(app, "kenta.skincare") == "active"
        assert state_of(app, "hannahbrooks.skin") == "opted_out"
        assert state_of(app, "priya.makes.up") == "active"
        with app.session() as session:
            suppressed = {s.address for s in session.exec(select(Suppression))}
            rows = list(session.exec(select(Inbound).order_by(Inbound.id)))  # type: ignore[arg-type]
        assert suppressed == {"minji.kim@mail.example", "hannah@inbox.example"}
        assert rows[0].text == "ぜひ試してみたいです！"
        assert (rows[0].label, rows[0].confidence) == ("interested", 1.0)
        assert rows[0].in_reply_to == misaki.message_id
        assert rows[-1].kind == "unmatched" and rows[-1].creator_id is None

        # Four days later only the untouched creators and Kenta (after his return) go on.
        asyncio.run(Daemon(app=app, clock=lambda: START + timedelta(days=4)).run_once())
        follow_ups = [m.parsed()["To"].addresses[0].addr_spec for m in smtp.messages[7:]]
        assert "misaki@mail.example" not in follow_ups
        assert "minji.kim@mail.example" not in follow_ups
        assert "hannah@inbox.example" not in follow_ups
        assert "kenta.tanaka@mail.example" not in follow_ups
        assert "priya.shah@inbox.example" in follow_ups


def test_broken_mail_is_kept_and_listed_and_the_rest_is_still_read(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki = sent_to(app, "misaki.hada")
        imap_server.append(
            b"From: =?x-unknown?b?////?= <\xff\xfe@broken>\r\nSubject: \xe3\x81\r\n"
            b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\n'
            b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n\xff\xfe\xfd\r\n"
        )
        imap_server.append(reply(misaki, "misaki@mail.example", "ぜひお願いします！"))

        report = sync_inbox(app, ImapInbox(app.settings.imap), START + timedelta(hours=1))

        assert report.counts == {"unmatched": 1, "reply": 1}
        assert state_of(app, "misaki.hada") == "replied"
        with app.session() as session:
            kept = session.exec(select(Inbound).where(Inbound.kind == "unmatched")).one()
        assert kept.creator_id is None and "never-closed" in kept.raw
