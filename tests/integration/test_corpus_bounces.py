"""Real bounces from other projects' corpora, as answers to our own proposals: no follow-up
ever chases a proposal that failed, and silent creators still get theirs."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from sqlmodel import select

from outreach.adapters.models import Creator, Enrollment, Message
from outreach.bootstrap import bootstrap
from outreach.core.bounce_reading import read_bounce
from outreach.core.retry import RetryPolicy
from outreach.core.return_paths import envelope_sender
from outreach.daemon import Daemon
from tests.campaign_helpers import (
    MONDAY,
    NO_LIMITS,
    SENDER,
    add_creator,
    enroll_in,
    prepare_workspace,
    write_campaign,
)
from tests.imap_server import DovecotTestServer
from tests.smtp_server import SmtpTestServer

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
RETURN_PATH = "bounces@glowlab.example"
SAMPLE = 120  # bounces, spread over the corpora's mail systems
SILENT = ("quiet1", "quiet2", "quiet3")


def failed_bounces() -> list[tuple[str, bytes, str]]:
    """(name, raw, the one recipient) of corpus reports that say a delivery failed."""
    files = sorted((CORPORA / "sisimai_set_of_emails" / "maildir-bsd").glob("*.eml"))
    files += sorted((CORPORA / "perl_bounceparser" / "corpus").glob("*.msg"))
    found = []
    for path in files:
        raw = path.read_bytes()
        message = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
        try:
            bounce = read_bounce(message)
        except Exception:  # the reader's own tests cover what it cannot read
            continue
        if bounce is not None and not bounce.delayed and len(bounce.recipients) == 1:
            found.append((path.name, raw, bounce.recipients[0]))
    stride = max(1, len(found) // SAMPLE)
    return found[::stride][:SAMPLE]


def addressed_to_us(
    raw: bytes, recipient: str, creator_address: str, verp: str, number: int
) -> bytes:
    """The report as if it answered our message: our creator's address, our VERP address.

    Its own Message-ID is made unique: several corpus files share one, and the inbox rightly
    reads one Message-ID once.
    """
    body = re.sub(re.escape(recipient.encode()), creator_address.encode(), raw, flags=re.I)
    body = re.sub(rb"(?im)^Message-Id:[^\r\n]*", f"Message-ID: <corpus-{number}@mx.example>"
                  .encode(), body, count=1)  # fmt: skip
    return f"Delivered-To: {verp}\r\n".encode() + body


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"shared corpora folder missing: {CORPORA}")
def test_no_follow_up_chases_a_proposal_that_a_real_bounce_reported_failed(
    workspace: Path, imap_server: DovecotTestServer, tmp_path: Path
) -> None:
    bounces = failed_bounces()
    assert len(bounces) >= 60, "too few corpus bounces to mean anything"
    with SmtpTestServer(security="none") as smtp:
        prepare_workspace(workspace)
        environ = {
            "OUTREACH_DATABASE_URL": f"sqlite:///{tmp_path / 'corpus.db'}",
            "OUTREACH_FROM": SENDER,
            "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo", "OUTREACH_SMTP_HOST": smtp.host,
            "OUTREACH_SMTP_PORT": str(smtp.port), "OUTREACH_SMTP_SECURITY": "none",
            "OUTREACH_IMAP_HOST": imap_server.host, "OUTREACH_IMAP_PORT": str(imap_server.port),
            "OUTREACH_IMAP_SECURITY": "none", "OUTREACH_IMAP_USER": imap_server.user,
            "OUTREACH_IMAP_PASSWORD": imap_server.password, "OUTREACH_RETURN_PATH": RETURN_PATH,
        }  # fmt: skip
        app = bootstrap(workspace, environ=environ, retry=RetryPolicy(1, 0, 1))
        handles = [f"bounced{i}" for i in range(len(bounces))] + list(SILENT)
        for handle in handles:
            add_creator(app, handle, email=f"{handle}@creators.example")
        enroll_in(app, write_campaign(workspace, "spring", limits=NO_LIMITS), MONDAY)
        asyncio.run(Daemon(app=app, clock=lambda: MONDAY).run_once())
        with app.session() as session:
            ours = {m.to_address: m for m in session.exec(select(Message))}
        assert len(ours) == len(handles)
        for index, (_, raw, recipient) in enumerate(bounces):
            message = ours[f"bounced{index}@creators.example"]
            verp = envelope_sender(RETURN_PATH, message.id, message.message_id, SENDER)
            imap_server.append(addressed_to_us(raw, recipient, message.to_address, verp, index))

        later = MONDAY + timedelta(days=4, hours=1)
        asyncio.run(Daemon(app=app, clock=lambda: later).run_once())

        with app.session() as session:
            follow_ups = {m.to_address for m in session.exec(select(Message).where(
                Message.step == 2))}  # fmt: skip
            states = {
                creator.handle: enrollment.state
                for creator, enrollment in session.exec(
                    select(Creator, Enrollment).where(Enrollment.creator_id == Creator.id)
                )
            }
    chased = [name for index, (name, _, _) in enumerate(bounces)
              if f"bounced{index}@creators.example" in follow_ups]  # fmt: skip
    assert chased == [], f"follow-ups to proposals a real bounce reported failed: {chased}"
    assert follow_ups == {f"{handle}@creators.example" for handle in SILENT}
    assert all(states[f"bounced{index}"] == "bounced" for index in range(len(bounces)))
