"""Every mailbox's inbox is read, each with its own checkpoint; each sender waits for its own."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from outreach.adapters.models import Creator, InboxHealth
from outreach.services.app import App
from outreach.services.inbound_admin import list_inbound
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    enrollment_of,
    messages,
    run_once,
    write_campaign,
)
from tests.inbox_helpers import reply
from tests.integration.test_sent_folder import answer, waiting_for_us
from tests.mailbox_helpers import NAMES, Servers, sender_app, two_mailboxes


def proposals_sent(
    workspace: Path, database_url: str, servers: Servers
) -> tuple[App, Creator, Creator]:
    """Ana and Bo in a campaign sent from both mailboxes, their proposals sent on Monday."""
    app = sender_app(workspace, database_url, servers)
    spec = write_campaign(workspace, "duo", senders=list(NAMES))
    ana, bo = add_creator(app, "ana"), add_creator(app, "bo")
    enroll_in(app, spec, MONDAY)
    assert run_once(app, MONDAY).sent == 2
    return app, ana, bo


def test_each_mailboxs_inbox_is_read_and_a_reply_there_stops_its_thread(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes() as servers:
        app, ana, bo = proposals_sent(workspace, database_url, servers)
        assert enrollment_of(app, ana, "duo").mailbox == "luna"
        assert enrollment_of(app, bo, "duo").mailbox == "minji"
        # Each creator answers the mailbox that wrote to them, in that mailbox's inbox.
        for creator, name in ((ana, "luna"), (bo, "minji")):
            [proposal] = messages(app, creator_id=creator.id)
            body = f"Yes please, send it! ({creator.handle})"  # its own Message-ID
            servers[name][1].append(reply(proposal, creator.email, body))

        report = run_once(app, MONDAY + timedelta(days=5))

        assert report.inbox_error is None and report.sent == 0  # no follow-up to either
        assert enrollment_of(app, ana, "duo").state == "replied"
        assert enrollment_of(app, bo, "duo").state == "replied"
        with app.session() as session:
            read = {h.mailbox: h.last_read_at for h in session.exec(select(InboxHealth))}
        assert read == {f"{name}@glowlab.example/INBOX": MONDAY + timedelta(days=5)
                        for name in NAMES}  # fmt: skip


def test_an_inbox_that_cannot_be_read_holds_only_its_own_mailboxs_messages(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes() as servers:
        app, ana, bo = proposals_sent(workspace, database_url, servers)
        # Luna's IMAP password changed on the server: her inbox cannot be read any more.
        app = sender_app(workspace, database_url, servers, passwords={"luna": "an-old-password"})

        report = run_once(app, MONDAY + timedelta(days=5))

        assert report.inbox_error is not None and "luna" in report.inbox_error
        assert report.waiting_for_inbox >= 1 and report.sent == 1
        [bo_nudge] = messages(app, creator_id=bo.id, step=2)
        [ana_nudge] = messages(app, creator_id=ana.id, step=2)
        assert bo_nudge.state == "sent" and bo_nudge.from_address == "minji@glowlab.example"
        assert ana_nudge.state == "queued" and "inbox" in (ana_nudge.last_error or "")
        assert "an-old-password" not in report.inbox_error


def test_an_answer_in_a_mailboxs_own_sent_folder_takes_its_reply_off_the_waiting_list(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes() as servers:
        app, _ana, bo = proposals_sent(workspace, database_url, servers)
        minji_imap = servers["minji"][1]
        [proposal] = messages(app, creator_id=bo.id)
        minji_imap.append(reply(proposal, bo.email, "How much do you pay for a reel?"))
        run_once(app, MONDAY + timedelta(hours=1))
        assert waiting_for_us(app) == {"bo"}
        with app.session() as session:
            [waiting] = list_inbound(session, needs_response=True)
        # Minji answers from her mail program; it keeps the answer in her own Sent folder.
        minji_imap.append(answer(bo.email, waiting.inbound.header_message_id, "<m1@glowlab>"),
                          folder="Sent")  # fmt: skip

        run_once(app, MONDAY + timedelta(hours=2))

    assert waiting_for_us(app) == set()
