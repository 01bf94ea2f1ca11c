"""Shared set-up for the campaign benchmarks: a workspace, a no-limits campaign, bulk rows, a sink.

Not a benchmark itself. Everything here runs in temporary folders.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from outreach.adapters.models import Creator, Enrollment  # noqa: E402
from outreach.bootstrap import bootstrap  # noqa: E402
from outreach.core.retry import RetryPolicy  # noqa: E402
from outreach.services.app import App  # noqa: E402
from outreach.services.workspace import init_workspace  # noqa: E402

CAMPAIGN = "bench"
SENDER = "Luna at Glowlab <luna@glowlab.example>"
# Caps far above any run, no gaps, no jitter, no [window]: nothing but the work is measured.
CAMPAIGN_TOML = f"""
name = "{CAMPAIGN}"
product = "Rice Bran Serum"
description = "A gentle serum for sensitive skin"
objective = "awareness"
guidelines = "Share your honest first impression; no script."
offer = "gifted"
language = "en"
sender = "{SENDER}"
personal = "optional"

[limits]
per_mailbox_per_day = 100000000
per_campaign_per_day = 100000000
min_gap_seconds = 0
jitter_seconds = 0

[[steps]]
template = "proposal"
delay = "0d"
"""

BIOS = {
    "ja": "敏感肌と付き合いながら、やさしいスキンケアを毎日記録しています。",
    "ko": "민감한 피부를 위한 순한 스킨케어를 매일 기록하고 있어요.",
    "en": "I review gentle skincare for sensitive skin and read every ingredient list twice.",
}
NAMES = {"ja": "佐藤美咲", "ko": "김지민", "en": "Emma Clarke"}
PLACES = {"ja": ("JP", "Asia/Tokyo"), "ko": ("KR", "Asia/Seoul"), "en": ("US", "America/New_York")}
START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def make_workspace(folder: Path) -> Path:
    """The sample workspace with the sample campaign replaced by the no-limits one."""
    workspace = folder / "ws"
    init_workspace(workspace)
    for path in (workspace / "schedules").glob("*.toml"):
        path.unlink()
    (workspace / "schedules" / f"{CAMPAIGN}.toml").write_text(CAMPAIGN_TOML, encoding="utf-8")
    return workspace


def make_app(workspace: Path, smtp_port: int | None = None) -> App:
    """An App on the workspace's SQLite file; SMTP to a plain loopback sink when a port is given."""
    environ = {"OUTREACH_FROM": SENDER, "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo"}
    if smtp_port is not None:
        environ.update(
            OUTREACH_SMTP_HOST="127.0.0.1",
            OUTREACH_SMTP_PORT=str(smtp_port),
            OUTREACH_SMTP_SECURITY="none",
        )
    return bootstrap(workspace, environ=environ, retry=RetryPolicy(1, 0, 1))


def creator_row(n: int, now: datetime, languages: tuple[str, ...] = ("ja", "ko", "en")) -> dict:
    """One creator as a row for a bulk insert."""
    language = languages[n % len(languages)]
    country, zone = PLACES[language]
    return {
        "platform": "instagram",
        "handle": f"creator{n}",
        "email": f"creator{n}@mail.example",
        "name": f"{NAMES[language]} {n}" if language == "en" else NAMES[language],
        "followers": 1_000 + (n * 37) % 90_000,
        "engagement_rate": 1 + (n % 80) / 10,
        "niches": ["skincare", "vegan"],
        "language": language,
        "language_detected": False,
        "country": country,
        "timezone": zone,
        "bio": BIOS[language],
        "recent_post": "a gentle morning routine",
        "recent_post_url": f"https://instagram.example.com/p/{n}",
        "email_source": "consent",  # every country's rules allow it (Korea asks for it)
        "custom": {},
        "status": "new",
        "created_at": now,
        "updated_at": now,
    }


def insert_creators(
    engine: Engine,
    count: int,
    now: datetime = START,
    languages: tuple[str, ...] = ("ja", "ko", "en"),
) -> list[int]:
    """COUNT creators in chunks of executemany; returns their ids."""
    table = Creator.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for first in range(0, count, 10_000):
            rows = [
                creator_row(n, now, languages) for n in range(first, min(first + 10_000, count))
            ]
            connection.execute(insert(table), rows)
        return list(connection.execute(select(table.c.id).order_by(table.c.id)).scalars())


def enroll_all(engine: Engine, creator_ids: list[int], now: datetime = START) -> None:
    """One active enrolment per creator in the bench campaign, step 1 due now (bulk)."""
    table = Enrollment.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for first in range(0, len(creator_ids), 10_000):
            rows = [
                {"campaign": CAMPAIGN, "creator_id": cid, "state": "active", "next_step": 1,
                 "next_due_at": now, "created_at": now, "updated_at": now}
                for cid in creator_ids[first:first + 10_000]
            ]  # fmt: skip
            connection.execute(insert(table), rows)


@dataclass
class Sink:
    """SmtpTestServer (aiosmtpd, no TLS, no auth) in a child process, so that it does not
    share the GIL with the client being measured."""

    process: subprocess.Popen[str]
    port: int

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def stats(self) -> tuple[int, int]:
        """(messages accepted, TCP connections accepted) since the start or the last reset."""
        messages, connections = self._ask("stats").split()
        return int(messages), int(connections)

    def reset(self) -> None:
        """Forget messages and connections."""
        self._ask("reset")


@contextmanager
def sink_process() -> Iterator[Sink]:
    """Start bench/_sink.py and stop it afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._sink"], cwd=ROOT, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().split()[1])
        yield Sink(process, port)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def command_line() -> str:
    """How this benchmark was started, for the printout."""
    return " ".join([".venv/bin/python", "-m", _module(), *sys.argv[1:]])


def _module() -> str:
    path = Path(sys.argv[0]).resolve()
    try:
        return ".".join(path.relative_to(ROOT).with_suffix("").parts)
    except ValueError:
        return str(path)
