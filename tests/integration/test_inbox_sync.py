"""End to end: proposals out through the daemon, answers into a real IMAP mailbox, synced."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from outreach.adapters.imap_inbox import ImapInbox
from outreach.adapters.models import (
    Creator,
    Enrollment,
    Event,
    Inbound,
    MailboxCheckpoint,
    Message,
    Suppression,
)
from outreach.daemon import Daemon
from outreach.services.inbox_sync import sync_inbox
from outreach.services.report import ReportRequest, build_report
from outreach.services.sequences import resume_enrollment
from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer
from tests.inbox_helpers import (
    START,
    bounce_for,
    inbox_app,
    inbox_environment,
    reply,
    sent_to,
    state_of,
)
from tests.smtp_server import SmtpTestServer


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
        imap_server.append(
            reply(hannah, "hannah@inbox.example", "Hi Luna,\r\n\r\nPlease unsubscribe me.")
        )
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
        with app.session() as session:
            opt_out = session.exec(
                select(Suppression).where(Suppression.address == "hannah@inbox.example")
            ).one()
        assert "Please unsubscribe me." in opt_out.reason and "Hi Luna" not in opt_out.reason
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


def soft_report(to: Message, notice: int, action: str = "failed") -> bytes:
    """A DSN about our message: mailbox full (failed, soft) or a delay (the server keeps trying)."""
    status, text = ("5.2.2", "552 5.2.2 Mailbox full") if action == "failed" else (
        "4.4.1", "Connection timed out; will keep trying")  # fmt: skip
    return bounce_for(to).replace(b"<b-1@mail.example>", f"<b-{notice}@mail.example>".encode()
        ).replace(b"Action: failed", f"Action: {action}".encode()
        ).replace(b"Status: 5.1.1", f"Status: {status}".encode()
        ).replace(b"550 5.1.1 User unknown", text.encode())  # fmt: skip


def test_a_failed_delivery_stops_its_sequence_and_only_repeated_failures_suppress(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        inbox = ImapInbox(app.settings.imap)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        proposal = sent_to(app, "misaki.hada")
        # Delay notices change nothing but the history.
        imap_server.append(soft_report(proposal, 4, "delayed"))
        imap_server.append(soft_report(proposal, 5, "delayed"))
        imap_server.append(soft_report(sent_to(app, "priya.makes.up"), 8, "delayed"))
        assert sync_inbox(app, inbox, START + timedelta(hours=2)).counts == {"delay": 3}
        assert state_of(app, "misaki.hada") == "active"
        # Three notices about one message (mailbox full): not delivered, so its sequence
        # stops, but one failed message is no reason to think the address is bad.
        for notice in (1, 2, 3):
            imap_server.append(soft_report(proposal, notice))
        assert sync_inbox(app, inbox, START + timedelta(hours=3)).counts == {"bounce": 3}
        assert state_of(app, "misaki.hada") == "bounced"
        with app.session() as session:
            report = build_report(session, ReportRequest(START + timedelta(hours=4), "UTC"))
            delays = session.exec(select(Event).where(Event.kind == "delivery_delayed")).all()
        [campaign] = report["campaigns"]
        assert campaign["bounced"] == 1  # Misaki's message failed; Priya's is only delayed
        assert all("nothing has failed" in event.summary for event in delays)
        asyncio.run(Daemon(app=app, clock=lambda: START + timedelta(days=4)).run_once())
        assert sent_to(app, "misaki.hada").id == proposal.id  # the only one: no follow-up

        sent: list[Message] = []
        for days, notice in ((5, 6), (12, 7)):
            moment = START + timedelta(days=days)
            with app.session() as session:  # a person resumes it, say after a call
                creator = session.get(Creator, proposal.creator_id)
                enrollment = session.exec(
                    select(Enrollment).where(Enrollment.creator_id == proposal.creator_id)
                ).one()
                assert creator is not None and enrollment is not None
                resume_enrollment(session, enrollment, creator, moment)
                session.commit()
            asyncio.run(Daemon(app=app, clock=lambda moment=moment: moment).run_once())
            with app.session() as session:
                latest = session.exec(
                    select(Message).where(Message.creator_id == proposal.creator_id)
                    .order_by(col(Message.id).desc())
                ).first()  # fmt: skip
            assert latest is not None
            assert latest.id not in {m.id for m in sent} | {proposal.id}
            sent.append(latest)
            imap_server.append(soft_report(latest, notice))
            sync_inbox(app, inbox, moment + timedelta(hours=3))
            # After the last step the sequence has completed: nothing is left to stop.
            assert state_of(app, "misaki.hada") == ("bounced" if days == 5 else "completed")

        with app.session() as session:
            kinds = [e.kind for e in session.exec(
                select(Event).where(Event.creator_id == proposal.creator_id)
                .where(col(Event.kind).in_(["delivery_failed", "delivery_delayed", "bounce"]))
                .order_by(Event.id)  # type: ignore[arg-type]
            )]  # fmt: skip
            suppressed = {s.address for s in session.exec(select(Suppression))}
            failed = session.exec(select(Event).where(Event.kind == "delivery_failed")).first()
        assert kinds.count("delivery_delayed") == 2  # Misaki's
        # The second failed message leaves the address alone; the third suppresses it.
        assert kinds.count("delivery_failed") == 4 and kinds[-1] == "bounce"
        assert suppressed == {proposal.to_address}
        assert failed is not None and "Mailbox full" in failed.summary  # the server's words


def test_an_out_of_office_date_is_read_in_the_order_of_the_creators_country(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        priya = sent_to(app, "priya.makes.up")  # GB: 02/01 is the 2nd of January
        away = "I am out of the office until 02/01."
        imap_server.append(reply(priya, "priya.shah@inbox.example", away, "Out of Office"))

        sync_inbox(app, ImapInbox(app.settings.imap), START + timedelta(hours=1))

        with app.session() as session:
            event = session.exec(select(Event).where(Event.kind == "auto_reply")).one()
            enrollment = session.exec(
                select(Enrollment).where(Enrollment.creator_id == priya.creator_id)
            ).one()
        assert event.summary.endswith("back on 2027-01-02")
        assert enrollment.next_due_at is not None
        assert enrollment.next_due_at.date().isoformat() == "2027-01-03"


def test_a_person_resumes_a_sequence_a_failed_delivery_stopped_but_never_a_bad_address(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        imap_server.append(soft_report(sent_to(app, "misaki.hada"), 2))  # mailbox full
        imap_server.append(bounce_for(sent_to(app, "minji.glow")))  # user unknown: bad address
        sync_inbox(app, ImapInbox(app.settings.imap), START + timedelta(hours=1))
        env = inbox_environment(smtp, imap_server)
        assert state_of(app, "misaki.hada") == "bounced"

        resumed = run_outreach(workspace, "campaign", "resume", "spring-serum", "--creator",
                               "misaki.hada", "--now", "2026-12-02T01:00Z", env=env)  # fmt: skip
        refused = run_outreach(workspace, "campaign", "resume", "spring-serum", "--creator",
                               "minji.glow", env=env)  # fmt: skip

        assert resumed.code == 0, resumed.stderr
        assert "@misaki.hada in spring-serum resumed: step 2 goes at the next run" in resumed.stdout
        assert state_of(app, "misaki.hada") == "active"
        assert refused.code == 1
        assert "@minji.glow is bounced" in refused.stderr
        assert state_of(app, "minji.glow") == "bounced"
        history = run_outreach(workspace, "history", "misaki.hada", env=env).stdout
        assert "not delivered" in history and "Mailbox full" in history
        assert "sequence_resumed" in history


def test_a_reply_read_a_week_late_keeps_its_own_date_and_age_everywhere(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki = sent_to(app, "misaki.hada")
        imap_server.append(reply(misaki, "misaki@mail.example", "ぜひ試してみたいです！"))
        written = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # its Date: 12:00 in Tokyo
        a_week_later = START + timedelta(days=7)

        sync_inbox(app, ImapInbox(app.settings.imap), a_week_later)

        env = inbox_environment(smtp, imap_server)
        report = json.loads(run_outreach(workspace, "report", "--format", "json", "--now",
                                         a_week_later.isoformat(), env=env).stdout)  # fmt: skip
        history = run_outreach(workspace, "history", "misaki.hada", env=env).stdout
        with app.session() as session:
            row = session.exec(select(Inbound)).one()
        assert (row.received_at, row.synced_at) == (written, a_week_later)
        [waiting] = report["needs_response"]
        assert waiting["received_at"] == written.isoformat()
        assert waiting["age_hours"] == (a_week_later - written).total_seconds() / 3600
        assert "2026-12-01 03:00 UTC  reply" in history  # beside the proposal, not a week on


def test_the_same_mailbox_under_another_host_name_is_not_read_twice(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        imap_server.append(reply(sent_to(app, "misaki.hada"), "misaki@mail.example", "はい！"))
        as_ip = ImapInbox(app.settings.imap)
        as_name = ImapInbox(replace(app.settings.imap, host="localhost"))

        first = sync_inbox(app, as_ip, START + timedelta(hours=1))
        again = sync_inbox(app, as_name, START + timedelta(hours=2))

        assert first.counts == {"reply": 1}
        assert again.counts == {}  # one mailbox, however it is reached
        with app.session() as session:
            assert len(session.exec(select(Inbound)).all()) == 1


def test_a_checkpoint_from_an_older_version_is_carried_over(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        uid = imap_server.append(reply(sent_to(app, "misaki.hada"), "misaki@mail.example", "はい"))
        imap = app.settings.imap
        with app.session() as session:  # how far an older version had read, under its name
            session.add(MailboxCheckpoint(
                mailbox=f"{imap.user}@{imap.host}:{imap.port}/INBOX",
                uidvalidity=imap_server.uidvalidity(), last_uid=uid, updated_at=START))  # fmt: skip
            session.commit()

        report = sync_inbox(app, ImapInbox(imap), START + timedelta(hours=1))

        assert report.counts == {}  # already read by the older version: not read again
