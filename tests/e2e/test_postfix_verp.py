"""End to end through a real mail system: Debian's Postfix delivers into Dovecot, a mailbox
that does not exist bounces back through VERP, and the worker stops that creator's sequence."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer
from tests.postfix_server import PostfixTestServer

CREATORS = (
    "handle,email,name,language,country,timezone,email_source\n"
    "hana.glow,hana@creators.test,Hana Mori,en,JP,Asia/Tokyo,bio\n"
    "ghost.user,ghost@creators.test,Gus Host,en,JP,Asia/Tokyo,bio\n"
)
CAMPAIGN = """\
name = "trial"
product = "Rice Bran Serum"
description = "A gentle serum for sensitive skin"
guidelines = "Your honest impression; no script."
personal = "optional"

[limits]
min_gap_seconds = 0
jitter_seconds = 0

[[steps]]
template = "trial_proposal"
delay = "0d"
[[steps]]
template = "trial_follow_up"
delay = "3d"
"""
PROPOSAL = "Subject: {{ product }} for you\n\nHi {{ addressee }},\n\nMay I send you our serum?\n"
FOLLOW_UP = "Hi {{ addressee }},\n\nJust checking my note reached you.\n"
MONDAY = "2030-01-07T01:00Z"


@pytest.fixture
def postfix(imap_server: DovecotTestServer) -> Iterator[PostfixTestServer]:
    """Postfix delivering the brand's mail (and bounces+...@) into the Dovecot inbox."""
    inbox = imap_server.mail_dir
    owner = os.stat(inbox.parent)
    # Beside the inbox: a folder the delivery agent (the mail account) can reach.
    creators = creators_mail(imap_server)
    shutil.rmtree(creators, ignore_errors=True)
    creators.mkdir()
    os.chown(creators, owner.st_uid, owner.st_gid)
    mailboxes = {
        "luna@glowlab.example": inbox,
        "bounces@glowlab.example": inbox,  # VERP: bounces+TOKEN@ lands here too
        "hana@creators.test": creators / "hana",
    }
    with PostfixTestServer(mailboxes, (owner.st_uid, owner.st_gid)) as server:
        yield server


def creators_mail(imap: DovecotTestServer) -> Path:
    """Where Postfix delivers the creators' own mail."""
    return imap.mail_dir.parent / "creators-mail"


def trial_workspace(workspace: Path) -> None:
    (workspace / "contacts" / "trial.csv").write_text(CREATORS, encoding="utf-8")
    (workspace / "schedules" / "trial.toml").write_text(CAMPAIGN, encoding="utf-8")
    english = workspace / "templates" / "messages" / "en"
    (english / "trial_proposal.txt").write_text(PROPOSAL, encoding="utf-8")
    (english / "trial_follow_up.txt").write_text(FOLLOW_UP, encoding="utf-8")


def inbox_count(imap: DovecotTestServer) -> int:
    with imap.session() as client:
        _, data = client.select("INBOX", readonly=True)
        return int(data[0] or 0)


def test_a_real_bounce_comes_back_through_verp_and_stops_that_sequence(
    workspace: Path, imap_server: DovecotTestServer, postfix: PostfixTestServer
) -> None:
    trial_workspace(workspace)
    env = {
        "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
        "OUTREACH_SMTP_HOST": postfix.host, "OUTREACH_SMTP_PORT": str(postfix.port),
        "OUTREACH_SMTP_SECURITY": "none",
        "OUTREACH_IMAP_HOST": imap_server.host, "OUTREACH_IMAP_PORT": str(imap_server.port),
        "OUTREACH_IMAP_SECURITY": "none", "OUTREACH_IMAP_USER": imap_server.user,
        "OUTREACH_IMAP_PASSWORD": imap_server.password,
        "OUTREACH_RETURN_PATH": "bounces@glowlab.example",
    }  # fmt: skip
    for command in (("contacts", "import", "contacts/trial.csv"),
                    ("campaign", "enroll", "trial", "--now", MONDAY)):  # fmt: skip
        assert run_outreach(workspace, *command, env=env).code == 0

    sent = run_outreach(workspace, "run", "--once", "--now", MONDAY, env=env)

    assert sent.code == 0, sent.stderr
    assert "sent 2," in sent.stdout  # Postfix accepted both, then bounced one itself
    deadline = time.monotonic() + 20
    while inbox_count(imap_server) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert inbox_count(imap_server) == 1, postfix.log()

    read = run_outreach(workspace, "run", "--once", "--now", "2030-01-07T01:02Z", env=env)
    history = run_outreach(workspace, "history", "ghost.user", env=env)

    assert read.code == 0, read.stderr
    assert "5.1.1" in history.stdout and "sequence_bounced" in history.stdout
    suppressed = run_outreach(workspace, "suppress", "list", env=env)
    assert "ghost@creators.test" in suppressed.stdout

    later = run_outreach(workspace, "run", "--once", "--now", "2030-01-10T02:00Z", env=env)

    assert later.code == 0, later.stderr
    rows = json.loads(run_outreach(workspace, "outbox", "list", "--format", "json").stdout)
    sent_steps = sorted((r["creator"], r["step"]) for r in rows if r["state"] == "sent")
    assert sent_steps == [("ghost.user", 1), ("hana.glow", 1), ("hana.glow", 2)]
    delivered = list((creators_mail(imap_server) / "hana" / "new").iterdir())
    assert len(delivered) == 2  # the proposal and the follow-up reached Hana's mailbox
