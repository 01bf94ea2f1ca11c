"""Benchmark `outreach report`: the JSON and HTML report over a large SQLite history.

Run: .venv/bin/python -m bench.bench_report [--creators 200000] [--messages 1000000]
Builds a workspace with that many creators, enrolments in four campaigns, sent messages over
three steps and a reply, bounce or auto-reply for about one creator in six; then times the
report (best of three) and prints its size; then how long a write from another connection
(as the daemon's claim would be) waits while a report runs. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from outreach.adapters.models import Creator, Enrollment, Inbound, Message  # noqa: E402
from outreach.bootstrap import bootstrap  # noqa: E402
from outreach.core.report_html import report_html  # noqa: E402
from outreach.services.report import ReportRequest, build_report  # noqa: E402
from outreach.services.workspace import init_workspace  # noqa: E402

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
CAMPAIGNS = ("spring-serum", "summer-sun", "autumn-oil", "winter-balm")
LABELS = ("interested", "declined", "not_now", "question", "rate_request", "agency", "unclear")
BATCH = 50_000


def fill(app: object, creators: int, messages: int, rng: random.Random) -> int:
    """Insert the history in large batches; returns the number of inbound rows."""
    engine = app.engine  # type: ignore[attr-defined]
    start = NOW - timedelta(days=120)
    per_creator = max(1, messages // creators)
    inbound = 0
    with engine.begin() as connection:
        for first in range(0, creators, BATCH):
            ids = range(first + 1, min(first + BATCH, creators) + 1)
            connection.execute(insert(Creator), [{
                "id": i, "platform": "instagram", "handle": f"c{i}", "email": f"c{i}@mail.example",
                "followers": rng.choice((3_000, 20_000, 60_000, 250_000)),
                "niches": rng.sample(["skincare", "vegan", "makeup", "haircare"], 2),
                "language": rng.choice(("ja", "ko", "en")), "custom": {},
                "status": "contacted", "created_at": start, "updated_at": start,
            } for i in ids])  # fmt: skip
            connection.execute(insert(Enrollment), [{
                "id": i, "campaign": CAMPAIGNS[i % 4], "creator_id": i,
                "state": rng.choice(("active", "completed", "replied", "bounced")),
                "next_step": 2, "next_due_at": NOW + timedelta(minutes=i % 5000),
                "created_at": start, "updated_at": start,
            } for i in ids])  # fmt: skip
            rows, replies = [], []
            for i in ids:
                for step in range(1, per_creator + 1):
                    number = (i - 1) * per_creator + step
                    sent_at = start + timedelta(days=step * 4, minutes=i % 1440)
                    rows.append({
                        "id": number, "creator_id": i, "enrollment_id": i,
                        "campaign": CAMPAIGNS[i % 4], "step": step, "template": f"step{step}",
                        "language": rng.choice(("ja", "ko", "en")),
                        "to_address": f"c{i}@mail.example",
                        "from_address": f"luna{i % 3}@glowlab.example",
                        "subject": "A proposal", "body_text": "Hello", "raw": "",
                        "message_id": f"<m{number}@glowlab.example>", "state": "sent",
                        "created_at": sent_at, "sent_at": sent_at,
                    })  # fmt: skip
                if i % 6 == 0:
                    inbound += 1
                    replies.append({
                        "mailbox": "luna@glowlab.example", "uidvalidity": 1, "uid": inbound,
                        "kind": rng.choice(("reply", "reply", "reply", "bounce", "auto_reply")),
                        "label": rng.choice(LABELS), "confidence": 0.9, "creator_id": i,
                        "message_id": (i - 1) * per_creator + 1, "subject": "Re: A proposal",
                        "text": "Thank you!", "raw": "",
                        "received_at": start + timedelta(days=1 + i % 100),
                        "handled_at": None if i % 60 == 0 else NOW,
                    })  # fmt: skip
            connection.execute(insert(Message), rows)
            if replies:
                connection.execute(insert(Inbound), replies)
    return inbound


def best_of(runs: int, action: object) -> tuple[float, object]:
    """The fastest of a few runs, in seconds, with the last result."""
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creators", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "ws"
        init_workspace(workspace)
        app = bootstrap(workspace, environ={})
        started = time.perf_counter()
        inbound = fill(app, args.creators, args.messages, random.Random(7))
        print(f"filled {args.creators:,} creators, {args.messages:,} messages, {inbound:,} "
              f"inbound in {time.perf_counter() - started:.1f} s")  # fmt: skip
        request = ReportRequest(now=NOW, timezone="Asia/Tokyo", known_campaigns=CAMPAIGNS)

        def as_json() -> str:
            with app.reading() as session:  # as `outreach report` reads
                return json.dumps(build_report(session, request), ensure_ascii=False)

        def as_html() -> str:
            with app.reading() as session:  # as `outreach report` reads
                return report_html(build_report(session, request))

        seconds, text = best_of(3, as_json)
        print(f"report --format json: {seconds:.2f} s, {len(str(text).encode()):,} bytes")
        seconds, page = best_of(3, as_html)
        print(f"report --format html: {seconds:.2f} s, {len(str(page).encode()):,} bytes")
        waited = write_during(as_json, Path(str(app.engine.url.database)))
        print(
            f"a write from another connection while the report runs: waited {waited * 1000:.1f} ms"
        )


def write_during(report: Callable[[], object], database: Path) -> float:
    """Seconds a one-row write waits when it starts 0.1 s into a report."""
    running = threading.Thread(target=report)
    running.start()
    time.sleep(0.1)
    writer = sqlite3.connect(database, timeout=30, isolation_level=None)
    began = time.perf_counter()
    writer.execute("BEGIN IMMEDIATE")
    waited = time.perf_counter() - began
    writer.execute("ROLLBACK")
    writer.close()
    running.join()
    return waited


if __name__ == "__main__":
    main()
