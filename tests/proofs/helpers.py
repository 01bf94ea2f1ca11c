"""Shared pieces of the proof tests: a campaign of N creators, real daemons, a chaotic sink."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from outreach.adapters.database import make_engine
from tests.smtp_server import Fault, SmtpTestServer

OUTREACH = str(Path(sys.executable).parent / "outreach")
CAMPAIGN = "proof"
SENDER = "Luna at Glowlab <luna@glowlab.example>"
RECIPIENT_DOMAIN = "proof.example"

CAMPAIGN_TOML = f"""
name = "{CAMPAIGN}"
product = "Rice Bran Serum"
description = "A gentle serum for sensitive skin"
objective = "awareness"
guidelines = "Share your honest first impression; no script."
offer = "gifted"
language = "en"
sender = "{SENDER}"
require_approval = false
personal = "optional"

[limits]
per_mailbox_per_day = 100000
per_campaign_per_day = 100000
min_gap_seconds = 0
jitter_seconds = 0

[[steps]]
template = "proposal"
delay = "0d"
"""

CSV_HEADER = (
    "handle,email,name,platform,followers,engagement_rate,niches,language,country,timezone,"
    "bio,recent_post,recent_post_url\n"
)


def handle_of(number: int) -> str:
    """The handle of the generated creator with this number."""
    return f"proof{number:05d}"


def address_of(number: int) -> str:
    """The e-mail address of the generated creator with this number."""
    return f"{handle_of(number)}@{RECIPIENT_DOMAIN}"


def write_creators_csv(path: Path, count: int) -> Path:
    """A contacts CSV with `count` distinct, complete English-speaking creators."""
    lines = [CSV_HEADER]
    for number in range(count):
        lines.append(
            f"{handle_of(number)},{address_of(number)},Creator {number},instagram,"
            f"{5000 + number},3.5,skincare,en,US,America/New_York,"
            f"Skincare notes from creator {number},my morning routine number {number},"
            f"https://instagram.example.com/p/proof{number}\n"
        )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def outreach_env(**settings: str) -> dict[str, str]:
    """The parent environment without any OUTREACH_* variable, plus the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"})
    env.update(settings)
    return env


def smtp_settings(server: SmtpTestServer, database_url: str | None) -> dict[str, str]:
    """OUTREACH_* settings for a plain (security none) test server and a database."""
    values = {
        "OUTREACH_FROM": SENDER,
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
        "OUTREACH_SMTP_HOST": server.host,
        "OUTREACH_SMTP_PORT": str(server.port),
        "OUTREACH_SMTP_SECURITY": "none",
        "OUTREACH_SMTP_TIMEOUT_SECONDS": "5",
    }
    if database_url is not None:
        values["OUTREACH_DATABASE_URL"] = database_url
    return values


def cli(workspace: Path, env: dict[str, str], *args: str) -> str:
    """Run one short `outreach` command; fail the test with its output if it fails."""
    done = subprocess.run(
        [OUTREACH, *args], cwd=workspace, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (
        f"`outreach {' '.join(args)}` exited {done.returncode}\n"
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    return done.stdout


def set_up_campaign(workspace: Path, env: dict[str, str], count: int) -> None:
    """Import `count` creators and enrol them all in a one-step campaign without gaps or caps."""
    for old in (workspace / "schedules").glob("*.toml"):
        old.unlink()
    (workspace / "schedules" / f"{CAMPAIGN}.toml").write_text(CAMPAIGN_TOML, encoding="utf-8")
    csv_path = write_creators_csv(workspace / "contacts" / "proof.csv", count)
    cli(workspace, env, "contacts", "import", str(csv_path))
    out = cli(workspace, env, "campaign", "enroll", CAMPAIGN)
    assert f"{count} enrolled" in out, out


def sqlite_url(workspace: Path) -> str:
    """The default database of a workspace."""
    return f"sqlite:///{workspace / 'outreach.db'}"


@dataclass
class Outbox:
    """Read-only view of the outbox table, straight from the database."""

    url: str
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        """Open an engine on the database."""
        self.engine = make_engine(self.url)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        """Run one query and return its rows."""
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql), params))

    def states(self) -> Counter[str]:
        """Number of messages per state."""
        return Counter(
            {s: n for s, n in self.rows("SELECT state, count(*) FROM messages GROUP BY state")}
        )

    def messages(self) -> list[Any]:
        """Every message with the columns the proofs look at."""
        return self.rows(
            "SELECT id, to_address, message_id, state, attempts, last_error, lease_owner, "
            "smtp_response FROM messages ORDER BY id"
        )

    def in_flight_owners(self) -> set[str]:
        """Workers holding a message in `sending` right now."""
        rows = self.rows("SELECT DISTINCT lease_owner FROM messages WHERE state = 'sending'")
        return {owner for (owner,) in rows if owner}

    def sending_of_pid(self, pid: int) -> list[int]:
        """Ids of the messages a worker process holds in `sending`."""
        rows = self.rows(
            "SELECT m.id FROM messages m JOIN workers w ON w.id = m.lease_owner "
            "WHERE m.state = 'sending' AND w.pid = :pid",
            pid=pid,
        )
        return [message_id for (message_id,) in rows]


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.1
) -> None:
    """Poll until the condition holds; fail with `what` (evaluated lazily) when time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


class Daemons:
    """`outreach run` processes started by a test; every one is killed in `close()`."""

    def __init__(self, workspace: Path, env: dict[str, str], logs: Path) -> None:
        """Remember where and how to start daemons."""
        self.workspace = workspace
        self.env = env
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """Start `outreach run [args]`; its output goes to a log file named by its pid."""
        log = (self.logs / f"daemon-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [OUTREACH, "run", *args],
            cwd=self.workspace,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.started.append(process)
        return process

    def log_of(self, process: subprocess.Popen[bytes]) -> str:
        """Everything a daemon printed so far."""
        index = self.started.index(process)
        return (self.logs / f"daemon-{index}.log").read_text(encoding="utf-8", errors="replace")

    def kill9(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL one daemon and reap it (so its pid is gone, not a zombie)."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def close(self) -> None:
        """Kill whatever is still running (only the processes this object started)."""
        for process in self.started:
            if process.poll() is None:
                process.kill()
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)


@contextmanager
def daemons(workspace: Path, env: dict[str, str], logs: Path) -> Iterator[Daemons]:
    """Daemons that are always killed at the end, whatever happens in the test."""
    group = Daemons(workspace, env, logs)
    try:
        yield group
    finally:
        group.close()


class ChaosSmtpServer(SmtpTestServer):
    """The test SMTP server plus seeded random faults, per-recipient rejections and a delay.

    * ``connect_421`` / ``rcpt_451``: probability that a new connection is greeted with 421,
      or that a transaction's RCPT is answered with 451 (decided by a seeded Random);
    * ``reject``: recipients answered ``550 5.1.1`` at RCPT;
    * ``data_delay``: seconds every DATA waits before the message is recorded and accepted;
    * ``delivered_by``: for each accepted message, the client's (host, port), so tests can
      tell how many connections (workers) delivered.
    """

    def __init__(self, *, seed: int = 0, port: int = 0) -> None:
        """A plain server (security none) on loopback."""
        super().__init__(security="none", port=port)
        self.rng = random.Random(seed)
        self.connect_421 = 0.0
        self.rcpt_451 = 0.0
        self.data_delay = 0.0
        self.reject: set[str] = set()
        self.injected: Counter[str] = Counter()
        self.delivered_by: list[Any] = []

    def __enter__(self) -> ChaosSmtpServer:
        """Start the server."""
        self.start()
        return self

    def _take_fault(self, *, connect: bool) -> Fault | None:
        queued = super()._take_fault(connect=connect)
        if queued is not None:
            return queued
        if connect and self.rng.random() < self.connect_421:
            self.injected["421"] += 1
            return Fault("connect", reply="421 4.3.2 Service not available, try later")
        if not connect and self.rng.random() < self.rcpt_451:
            self.injected["451"] += 1
            return Fault("rcpt", reply="451 4.3.0 Temporary local problem, try later")
        if not connect and self.data_delay:
            return Fault("data", delay_seconds=self.data_delay)
        return None

    def _register(self, protocol: Any) -> None:
        super()._register(protocol)
        hooks = protocol._handle_hooks
        rcpt_hook, data_hook = hooks["RCPT"], hooks["DATA"]

        async def rcpt(server: Any, session: Any, envelope: Any, address: str, *rest: Any) -> str:
            if address.lower() in self.reject:
                self.injected["550"] += 1
                return "550 5.1.1 <" + address + ">: no such user here"
            return str(await rcpt_hook(server, session, envelope, address, *rest))

        async def data(server: Any, session: Any, envelope: Any) -> str:
            before = len(self.messages)
            answer = str(await data_hook(server, session, envelope))
            if len(self.messages) > before:
                with self._lock:
                    self.delivered_by.append(session.peer)
            return answer

        hooks["RCPT"], hooks["DATA"] = rcpt, data


def message_ids(server: SmtpTestServer) -> list[str]:
    """The Message-ID of every message the server accepted, in order."""
    return [str(m.parsed()["Message-ID"]) for m in server.messages]


def recipients(server: SmtpTestServer) -> list[str]:
    """The envelope recipient of every accepted message."""
    return [rcpt.lower() for m in server.messages for rcpt in m.rcpt_tos]


def duplicates(values: list[str]) -> dict[str, int]:
    """Values seen more than once, with their counts."""
    return {value: n for value, n in Counter(values).items() if n > 1}
