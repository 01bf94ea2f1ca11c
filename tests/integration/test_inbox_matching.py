"""Matching without our headers, VERP return paths, and moving handled mail, on real servers."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from outreach.adapters.imap_inbox import ImapInbox
from outreach.adapters.models import Event, Inbound, Message, Suppression
from outreach.daemon import Daemon
from outreach.services.inbox_sync import sync_inbox
from tests.imap_server import DovecotTestServer
from tests.inbox_helpers import START, bounce_for, inbox_app, reply, sent_to, state_of
from tests.server_tools import free_port
from tests.smtp_server import SmtpTestServer

RETURN_PATH = "bounces@glowlab.example"
LATER = START + timedelta(hours=2)


def headerless_reply(sender: str, subject: str, body: str) -> bytes:
    """A reply whose client dropped In-Reply-To and References (phones, some webmail)."""
    return (
        f"From: {sender}\r\nTo: luna@glowlab.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <h-{abs(hash(body))}@phone.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def report_to(address: str, body: str, subject: str = "Delivery report") -> bytes:
    """A mail-server report in no standard format, delivered to an address."""
    return (
        f"From: postmaster@mx.example\r\nTo: {address}\r\nSubject: {subject}\r\n"
        f"Message-ID: <rep-{abs(hash(address + body))}@mx.example>\r\n\r\n{body}\r\n"
    ).encode()


def test_replies_without_our_headers_are_matched_by_sender_or_subject(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    # Subjects that name the creator, as many brands write them: a subject can then decide.
    for template in workspace.glob("templates/messages/*/proposal.txt"):
        subject, rest = template.read_text(encoding="utf-8").split("\n", 1)
        template.write_text(f"{subject} ({{{{ handle }}}})\n{rest}", encoding="utf-8")
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki, kenta = sent_to(app, "misaki.hada"), sent_to(app, "kenta.skincare")
        minji = sent_to(app, "minji.glow")
        assert kenta.subject.endswith("(kenta.skincare)")
        # From Misaki's own address, headers dropped: matched by sender, answers her proposal.
        imap_server.append(headerless_reply("misaki@mail.example", f"Re: {misaki.subject}",
                                            "はい、ぜひお願いします。"))  # fmt: skip
        # From Kenta's phone (an address we never saw), headers dropped: the subject decides.
        imap_server.append(
            headerless_reply(
                "kenta-phone@mobile.example", f"RE: Fwd: {kenta.subject}", "Yes, I'd love to!"
            )
        )
        # Minji's manager answers in the thread from the agency: matched, and noted.
        imap_server.append(reply(minji, "manager@agency.example", "Please contact my manager."))
        # An unknown address and a subject that names nothing: kept, listed, not guessed.
        imap_server.append(headerless_reply("stranger@else.example", "Re: hello", "hi"))

        report = sync_inbox(app, ImapInbox(app.settings.imap), LATER)

        assert report.counts == {"reply": 3, "unmatched": 1}
        assert state_of(app, "misaki.hada") == "replied"
        assert state_of(app, "kenta.skincare") == "replied"
        assert state_of(app, "minji.glow") == "replied"
        assert state_of(app, "priya.makes.up") == "active"
        with app.session() as session:
            rows = {r.sender: r for r in session.exec(select(Inbound))}
            kenta_events = session.exec(
                select(Event).where(
                    Event.creator_id == kenta.creator_id, Event.kind == "other_address"
                )
            ).all()
        assert rows["misaki@mail.example"].in_reply_to == misaki.message_id
        assert rows["misaki@mail.example"].note is None
        assert rows["kenta-phone@mobile.example"].in_reply_to == kenta.message_id
        assert rows["kenta-phone@mobile.example"].note == (
            "matched by its subject; sent from kenta-phone@mobile.example, not "
            "kenta.tanaka@mail.example"
        )
        assert [e.detail["address"] for e in kenta_events] == ["kenta-phone@mobile.example"]
        assert rows["manager@agency.example"].label == "agency"
        assert "sent from manager@agency.example" in (rows["manager@agency.example"].note or "")
        assert rows["stranger@else.example"].creator_id is None
        assert rows["stranger@else.example"].kind == "unmatched"


def test_auto_reply_words_in_our_own_subject_do_not_make_a_reply_automatic(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    for template in workspace.glob("templates/messages/*/proposal.txt"):
        subject, rest = template.read_text(encoding="utf-8").split("\n", 1)
        # After (광고), which Korea wants first in an advertising subject.
        subject = re.sub(r"^Subject: (\(광고\) )?", r"Subject: \1Vacation glow, Urlaub, 休暇: ",
                         subject)  # fmt: skip
        template.write_text(f"{subject}\n{rest}", encoding="utf-8")
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki, kenta = sent_to(app, "misaki.hada"), sent_to(app, "kenta.skincare")
        minji = sent_to(app, "minji.glow")
        assert "Vacation" in misaki.subject
        # People answering in the thread: our subject's words say nothing about them.
        imap_server.append(reply(misaki, "misaki@mail.example", "ぜひお願いします。",
                                 f"Re: {misaki.subject}"))  # fmt: skip
        imap_server.append(headerless_reply("minji.kim@mail.example", f"AW: {minji.subject}",
                                            "Yes, I'd love to!"))  # fmt: skip
        # An auto-responder's words around our subject still count.
        imap_server.append(reply(kenta, "kenta.tanaka@mail.example", "Thank you for your mail.",
                                 f"Re: {kenta.subject} [Out of Office]"))  # fmt: skip

        report = sync_inbox(app, ImapInbox(app.settings.imap), LATER)

        assert report.counts == {"reply": 2, "auto_reply": 1}
        assert state_of(app, "misaki.hada") == "replied"
        assert state_of(app, "minji.glow") == "replied"
        assert state_of(app, "kenta.skincare") == "active"


def test_a_bounce_must_name_an_address_we_sent_to_unless_it_is_a_delivery_report(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki, kenta = sent_to(app, "misaki.hada"), sent_to(app, "kenta.skincare")
        # A person's reply quoting a log line: flufl.bounce reads a garbage "recipient" in it.
        quoted_log = (
            "Sure! Here is the error I get when I sign up:\r\n\r\n"
            '> Parameters: {"name"=>"Misaki", "email"=>"misaki@mail.example '
            '<javascript:_e({}, \'cvml\', \'misaki%40mail.example\');>", "username"=>"m"}\r\n'
            '> PG::NumericValueOutOfRange: ERROR:  value "2201945804" is out of range\r\n'
        )
        imap_server.append(reply(misaki, "misaki@mail.example", quoted_log))
        # A non-standard notice about an address we never wrote to counts for nobody.
        imap_server.append(report_to("luna@glowlab.example", "I'm afraid I wasn't able to "
                                     "deliver your message to the following addresses.\r\n"
                                     "<nobody@else.example>:\r\nSorry, no mailbox here by "
                                     "that name. (#5.1.1)", "failure notice"))  # fmt: skip
        # About an address we wrote to, but tied to no message of ours: anyone can write
        # that, so it is kept for a person and suppresses nobody.
        notice = ("I'm afraid I wasn't able to deliver your message to the following "
                  f"addresses.\r\n<{kenta.to_address}>:\r\nSorry, no mailbox here by that "
                  "name. (#5.1.1)")  # fmt: skip
        imap_server.append(report_to("luna@glowlab.example", notice, "failure notice"))
        # The same notice quoting our message is a bounce.
        original = (f"\r\n\r\n--- Below this line is a copy of the message.\r\n\r\n"
                    f"Message-ID: {kenta.message_id}\r\nTo: {kenta.to_address}\r\n")  # fmt: skip
        imap_server.append(report_to("luna@glowlab.example", notice + original,
                                     "failure notice"))  # fmt: skip

        report = sync_inbox(app, ImapInbox(app.settings.imap), LATER)

        assert report.counts == {"reply": 1, "unmatched": 2, "bounce": 1}
        assert state_of(app, "misaki.hada") == "replied"
        assert state_of(app, "kenta.skincare") == "bounced"
        with app.session() as session:
            rows = {r.sender: r for r in session.exec(select(Inbound))}
        assert rows["misaki@mail.example"].in_reply_to == misaki.message_id
        assert rows["misaki@mail.example"].text.startswith("Sure! Here is the error")


def test_verp_attributes_reports_without_parsing_and_refuses_forged_tokens(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server, {"OUTREACH_RETURN_PATH": RETURN_PATH})
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        senders = {m.rcpt_tos[0]: m.mail_from for m in smtp.messages}
        misaki, kenta = sent_to(app, "misaki.hada"), sent_to(app, "kenta.skincare")
        hannah = sent_to(app, "hannahbrooks.skin")
        verp_misaki = senders[misaki.to_address]
        verp_kenta = senders[kenta.to_address]
        # Every envelope sender is its own, and the From header is untouched.
        assert len(set(senders.values())) == len(senders) == 7
        assert verp_misaki.startswith("bounces+") and verp_misaki.endswith("@glowlab.example")
        assert all(m.parsed()["From"].addresses[0].addr_spec == "luna@glowlab.example"
                   for m in smtp.messages)  # fmt: skip
        # A report in a format no parser knows, naming no recipient: still Misaki's bounce.
        imap_server.append(report_to(verp_misaki, "Your message could not be delivered."))
        # A standard DSN naming a forwarding alias, sent back to Kenta's return path.
        alias_bounce = (
            bounce_for(kenta)
            .replace(
                f"Final-Recipient: rfc822; {kenta.to_address}".encode(),
                b"Final-Recipient: rfc822; kenta@old-forward.example",
            )
            .replace(b"To: luna@glowlab.example", f"To: {verp_kenta}".encode())
        )
        imap_server.append(alias_bounce)
        # A forged token for Hannah's message: right row number, wrong check.
        forged = f"bounces+{hannah.id}-0000000000@glowlab.example"
        imap_server.append(report_to(forged, "550 5.1.1 user unknown", "Undeliverable"))

        report = sync_inbox(app, ImapInbox(app.settings.imap), LATER)

        assert report.counts == {"bounce": 2, "unmatched": 1}
        assert state_of(app, "kenta.skincare") == "bounced"  # 5.1.1: hard
        # Unknown format: not delivered (its sequence stops), the address is not condemned.
        assert state_of(app, "misaki.hada") == "bounced"
        assert state_of(app, "hannahbrooks.skin") == "active"
        with app.session() as session:
            suppressed = {s.address for s in session.exec(select(Suppression))}
            soft = session.exec(select(Event).where(Event.kind == "delivery_failed")).one()
            rows = {r.in_reply_to: r for r in session.exec(select(Inbound))}
        assert suppressed == {"kenta.tanaka@mail.example"}
        assert soft.creator_id == misaki.creator_id
        assert "unknown format" in soft.summary
        assert rows[misaki.message_id].kind == "bounce"
        assert rows[None].kind == "unmatched"


def test_handled_bounces_and_auto_replies_move_to_the_folder_and_the_rest_stays(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    folder = "Outreach Processed"
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server,
                        {"OUTREACH_IMAP_PROCESSED_FOLDER": folder})  # fmt: skip
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki, minji = sent_to(app, "misaki.hada"), sent_to(app, "minji.glow")
        kenta = sent_to(app, "kenta.skincare")
        reply_uid = imap_server.append(reply(misaki, "misaki@mail.example", "ぜひ！"))
        imap_server.append(bounce_for(minji))
        auto = reply(kenta, "kenta.tanaka@mail.example", "I am away until 10 December 2026.",
                     "Out of Office")  # fmt: skip
        imap_server.append(auto)
        unmatched_uid = imap_server.append(headerless_reply("x@else.example", "Re: hi", "hi"))

        first = sync_inbox(app, ImapInbox(app.settings.imap), LATER)
        second = sync_inbox(app, ImapInbox(app.settings.imap), LATER + timedelta(hours=1))

        assert first.counts == {"reply": 1, "bounce": 1, "auto_reply": 1, "unmatched": 1}
        assert (first.moved, first.move_error) == (2, None)
        assert (second.counts, second.moved) == ({}, 0)
        # The person's mail stays where they read it; only what needs no answer moved.
        assert imap_server.uids("INBOX") == [reply_uid, unmatched_uid]
        assert len(imap_server.uids(folder)) == 2
        with app.session() as session:
            moved = {r.kind: r.moved_to for r in session.exec(select(Inbound))}
        assert moved == {"reply": None, "bounce": folder, "auto_reply": folder,
                         "unmatched": None}  # fmt: skip


def test_a_failed_move_loses_nothing_and_is_tried_again(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server,
                        {"OUTREACH_IMAP_PROCESSED_FOLDER": "Processed"})  # fmt: skip
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        imap_server.append(bounce_for(sent_to(app, "minji.glow")))
        inbox = ImapInbox(app.settings.imap)
        real_move = inbox.move

        good_server = inbox.server

        def broken_move(uidvalidity: int, uids: list[int], folder: str) -> list[int] | None:
            # The server is gone just for the move: every message was already read.
            inbox.server = replace(good_server, port=free_port())
            try:
                return real_move(uidvalidity, uids, folder)
            finally:
                inbox.server = good_server

        inbox.move = broken_move  # type: ignore[method-assign]
        first = sync_inbox(app, inbox, LATER)
        inbox.move = real_move  # type: ignore[method-assign]
        second = sync_inbox(app, inbox, LATER + timedelta(minutes=5))

        assert first.counts == {"bounce": 1} and first.moved == 0
        assert first.move_error is not None and "moving to 'Processed'" in first.move_error
        assert (second.counts, second.moved, second.move_error) == ({}, 1, None)
        assert imap_server.uids("INBOX") == []
        with app.session() as session:
            assert session.exec(select(Message).where(Message.state == "sent")).all()


def test_nul_bytes_in_a_reply_are_stored_on_every_backend(
    workspace: Path, imap_server: DovecotTestServer, database_url: str
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server, {"OUTREACH_DATABASE_URL": database_url})
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki = sent_to(app, "misaki.hada")
        imap_server.append(reply(misaki, "misaki@mail.example", "Yes\x00 please!",
                                 "Re: hello\x00there"))  # fmt: skip
        imap_server.append(reply(sent_to(app, "minji.glow"), "minji.kim@mail.example", "좋아요!"))

        report = sync_inbox(app, ImapInbox(app.settings.imap), LATER)

        assert report.counts == {"reply": 2}
        with app.session() as session:
            rows = list(session.exec(select(Inbound).order_by(Inbound.id)))  # type: ignore[arg-type]
        assert rows[0].text == "Yes\ufffd please!"
        assert "\x00" not in rows[0].raw + rows[0].subject
        assert rows[1].text == "좋아요!"


def test_mail_a_creator_wrote_before_our_first_message_is_no_answer(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        for sender, subject, body, day in (
            ("misaki@mail.example", "Collab rates 2026", "Hi! Here are my rates.", 20),
            ("kenta.tanaka@mail.example", "Out of Office", "I am away until 10 December.", 25),
        ):
            imap_server.append((
                f"From: {sender}\r\nTo: luna@glowlab.example\r\nSubject: {subject}\r\n"
                f"Message-ID: <old-{day}@mail.example>\r\n"
                f"Date: {day} Nov 2026 10:00:00 +0900\r\n\r\n{body}\r\n"
            ).encode())  # fmt: skip

        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())

        # Both proposals went out, on time: the old mail answered nothing of ours.
        assert len(smtp.messages) == 7
        assert state_of(app, "misaki.hada") == "active"
        with app.session() as session:
            rows = list(session.exec(select(Inbound)))
        assert {row.kind for row in rows} == {"unmatched"}
        assert all("written before our first message" in (row.note or "") for row in rows)


def test_a_reply_whose_body_cannot_be_read_still_stops_the_sequence_by_its_headers(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki = sent_to(app, "misaki.hada")
        depth = 1000  # MIME parts nested a thousand deep: no parser walks that
        nested = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'
                         for i in range(depth))  # fmt: skip
        imap_server.append((
            f"From: misaki@mail.example\r\nTo: luna@glowlab.example\r\nSubject: Re: hello\r\n"
            f"Message-ID: <deep@mail.example>\r\nIn-Reply-To: {misaki.message_id}\r\n"
            f"Date: Tue, 01 Dec 2026 12:00:00 +0900\r\nMIME-Version: 1.0\r\n{nested}"
            "Content-Type: text/plain\r\n\r\nYes!\r\n"
        ).encode())  # fmt: skip

        report = sync_inbox(app, ImapInbox(app.settings.imap), LATER)

        assert report.counts == {"reply": 1}
        assert state_of(app, "misaki.hada") == "replied"
        with app.session() as session:
            row = session.exec(select(Inbound)).one()
        assert row.in_reply_to == misaki.message_id and row.label == "unclear"


def test_the_first_of_our_messages_in_the_references_is_the_one_answered(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    """In-Reply-To first, then References newest first: the first of ours in that order wins,
    whatever order our messages were stored in (all are looked up in one query)."""
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        older, newer = sorted([sent_to(app, "misaki.hada"), sent_to(app, "minji.glow")],
                              key=lambda message: message.id or 0)  # fmt: skip
        # The newest reference is ours but stored last; a stranger's id comes first.
        raw = reply(newer, newer.to_address, "Happy to!").replace(
            f"In-Reply-To: {newer.message_id}".encode(),
            f"In-Reply-To: <not-ours@mail.example>\r\n"
            f"References: {older.message_id} {newer.message_id}".encode(),
        )
        imap_server.append(raw)

        report = sync_inbox(app, ImapInbox(app.settings.imap), LATER)

        assert report.counts == {"reply": 1}
        with app.session() as session:
            row = session.exec(select(Inbound)).one()
        assert row.message_id == newer.id and row.in_reply_to == newer.message_id
