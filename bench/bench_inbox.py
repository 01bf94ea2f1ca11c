"""Benchmark inbox sync: read, classify and record N inbound messages from a real Dovecot.

Run: .venv/bin/python -m bench.bench_inbox [--messages 10000]
The mix: replies to our proposals (Japanese, Korean, English), DSN bounces, out-of-office
replies, opt-outs and stray mail. Prints messages per second and peak memory; asserts nothing.
"""

from __future__ import annotations

import argparse
import imaplib
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from outreach.adapters.imap_inbox import ImapInbox  # noqa: E402
from outreach.adapters.models import Creator, Message  # noqa: E402
from outreach.bootstrap import bootstrap  # noqa: E402
from outreach.services.inbox_sync import sync_inbox  # noqa: E402
from outreach.services.workspace import init_workspace  # noqa: E402
from tests.imap_server import DovecotTestServer, ensure_dovecot_installed  # noqa: E402

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
BODIES = (
    "ぜひ試してみたいです！住所をお送りします。",
    "좋아요! 보내주세요. 감사합니다.",
    "Sounds great, what is your budget?",
    "I am out of the office until 10 December 2026.",
    "Please unsubscribe me.",
)


def inbound(n: int) -> bytes:
    """One message of the mix; every fifth is a bounce for a creator we wrote to."""
    ours = f"<p{n}@glowlab.example>"
    if n % 5 == 4:
        return (
            f"From: MAILER-DAEMON@mail.example\r\nSubject: Undelivered Mail\r\n"
            f"Message-ID: <b{n}@mail.example>\r\nMIME-Version: 1.0\r\nContent-Type: "
            'multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n--B\r\n'
            "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mail.example\r\n"
            f"\r\nFinal-Recipient: rfc822; c{n}@mail.example\r\nAction: failed\r\n"
            "Status: 5.1.1\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {ours}\r\n\r\n--B--\r\n"
        ).encode()
    body = BODIES[(n // 5) % len(BODIES)] if n % 97 else "random mail"
    subject = "Out of Office" if "office" in body else "Re: proposal"
    return (
        f"From: c{n}@mail.example\r\nSubject: {subject}\r\nMessage-ID: <r{n}@mail.example>\r\n"
        f"In-Reply-To: {ours}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n\r\n"
        "On Tue, Dec 1, 2026 at 10:30 AM Luna <luna@glowlab.example> wrote:\r\n> hello\r\n"
    ).encode()


def main() -> None:
    """Fill a mailbox, then time one full sync into a fresh SQLite workspace."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    count = parser.parse_args().messages
    print(f".venv/bin/python -m bench.bench_inbox --messages {count}")
    ensure_dovecot_installed()
    with tempfile.TemporaryDirectory() as folder, DovecotTestServer() as server:
        workspace = Path(folder) / "ws"
        init_workspace(workspace)
        environ = {"OUTREACH_IMAP_HOST": server.host, "OUTREACH_IMAP_PORT": str(server.port),
                   "OUTREACH_IMAP_SECURITY": "none", "OUTREACH_IMAP_USER": server.user,
                   "OUTREACH_IMAP_PASSWORD": server.password}  # fmt: skip
        app = bootstrap(workspace, environ=environ)
        with app.engine.begin() as connection:
            connection.execute(insert(Creator), [
                {"id": n + 1, "platform": "instagram", "handle": f"c{n}",
                 "email": f"c{n}@mail.example", "niches": [], "custom": {},
                 "status": "contacted", "created_at": NOW, "updated_at": NOW}
                for n in range(count)])  # fmt: skip
            connection.execute(insert(Message), [
                {"creator_id": n + 1, "campaign": "bench", "step": 1, "template": "proposal",
                 "language": "en", "to_address": f"c{n}@mail.example",
                 "from_address": "luna@glowlab.example", "subject": "proposal", "body_text": "",
                 "raw": "", "message_id": f"<p{n}@glowlab.example>", "state": "sent",
                 "created_at": NOW, "sent_at": NOW, "priority": 1, "attempts": 1}
                for n in range(count)])  # fmt: skip
        began = time.perf_counter()
        client = imaplib.IMAP4(server.host, server.port)
        client.login(server.user, server.password)
        for n in range(count):
            client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), inbound(n))
        client.logout()
        print(f"mailbox filled with {count} messages in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        report = sync_inbox(app, ImapInbox(app.settings.imap), NOW)
        elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sync + classify + record  {count:>6} msgs  {elapsed:6.1f} s  "
          f"{count / elapsed:6.0f} msgs/s  peak RSS {peak:.0f} MiB")  # fmt: skip
    print("by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))


if __name__ == "__main__":
    main()
