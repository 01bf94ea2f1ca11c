"""Send throughput through the outbox vs a bare aiosmtplib loop, same sink, same run.

Run: .venv/bin/python -m bench.bench_send [--messages 2000]

The sink is tests/smtp_server.py's SmtpTestServer (aiosmtpd, plain SMTP on loopback) in a
child process. MESSAGES creators are enrolled in a campaign with caps far above the run, no
gaps, no jitter and no window; the messages are planned first (not timed). Then:
  bare loop : aiosmtplib, ONE connection, sendmail() of the same messages already flattened
              to bytes (no database, no MIME work);
  outreach  : Daemon.run_once() on one worker: claim with a lease, re-check, parse the stored
              message, flatten, send through SmtpTransport (which keeps ONE connection open
              within the event loop), record the outcome: one transaction per message.
The sink counts the TCP connections each side opened.
Then the floor exactly-once sets: each message's claim must be on disk before its first byte
goes (a crash then leaves at most one message in doubt), so each costs at least one durable
SQLite commit. The script times that commit alone (stdlib sqlite3, one UPDATE, WAL,
synchronous=FULL, on the same database file) and prints the best ratio any outbox could reach
here: the bare loop's time per message against that time plus one durable commit.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import sqlite3
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiosmtplib
from sqlmodel import select

from bench._fixtures import (
    START,
    command_line,
    enroll_all,
    insert_creators,
    make_app,
    make_workspace,
    sink_process,
)
from outreach.adapters.campaign_files import load_all_campaigns
from outreach.adapters.models import Message
from outreach.daemon import Daemon
from outreach.services.planning import plan_due


def durable_commit_seconds(database: Path, count: int) -> float:
    """Seconds per durable commit of one small UPDATE, without SQLAlchemy: the claim's floor."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    began = time.perf_counter()
    for index in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE messages SET last_error = ? WHERE id = 1", (str(index),))
        connection.execute("COMMIT")
    spent = time.perf_counter() - began
    connection.close()
    return spent / count


async def bare_loop(port: int, mails: list[tuple[str, str, bytes]]) -> float:
    """Seconds to send every (sender, recipient, bytes) over one aiosmtplib connection."""
    began = time.perf_counter()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, use_tls=False)
    await client.connect()
    for sender, recipient, data in mails:
        await client.sendmail(sender, [recipient], data)
    await client.quit()
    return time.perf_counter() - began


def main() -> None:
    """Plan, then time both senders against the same sink."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2_000)
    args = parser.parse_args()
    count = args.messages
    print(command_line())
    with tempfile.TemporaryDirectory() as folder, sink_process() as sink:
        app = make_app(make_workspace(Path(folder)), smtp_port=sink.port)
        enroll_all(app.engine, insert_creators(app.engine, count))
        specs = load_all_campaigns(app.schedules)
        while plan_due(app, specs, START).planned:
            pass
        with app.session() as session:
            rows = list(session.exec(select(Message).order_by(Message.id)))  # type: ignore[arg-type]
        mails = [
            (row.from_address, row.to_address,
             email.message_from_string(row.raw, policy=email.policy.default)
             .as_bytes(policy=email.policy.SMTP))
            for row in rows
        ]  # fmt: skip
        size = sum(len(m[2]) for m in mails) // len(mails)
        print(f"{count} messages planned (proposal, ja/ko/en, about {size} bytes each), "
              f"sink: aiosmtpd on 127.0.0.1:{sink.port}, no TLS, no auth, own process")  # fmt: skip

        asyncio.run(bare_loop(sink.port, mails[:50]))  # warm-up
        sink.reset()
        bare = asyncio.run(bare_loop(sink.port, mails))
        bare_received, bare_connections = sink.stats()

        sink.reset()
        daemon = Daemon(app=app, clock=lambda: START + timedelta(seconds=1))
        began = time.perf_counter()
        run = asyncio.run(daemon.run_once())
        ours = time.perf_counter() - began
        received, connections = sink.stats()
        commit = durable_commit_seconds(Path(str(app.engine.url.database)), count)

    print(f"bare aiosmtplib loop  {bare_received:>6} msgs  {bare:6.2f} s  "
          f"{bare_received / bare:7.0f} msgs/s  {bare_connections} connection(s)")  # fmt: skip
    print(f"outreach outbox       {received:>6} msgs  {ours:6.2f} s  "
          f"{received / ours:7.0f} msgs/s  {connections} connection(s)  "
          f"(daemon handled {run.sent_or_handled})")  # fmt: skip
    print(f"ratio outreach / bare: {(received / ours) / (bare_received / bare):.2f}")
    per_message = bare / bare_received
    print(f"one durable commit (sqlite3, synchronous=FULL): {commit * 1000:.2f} ms; "
          f"bare loop per message: {per_message * 1000:.2f} ms; best ratio with one durable "
          f"claim per message: {per_message / (per_message + commit):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
