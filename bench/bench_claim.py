"""Claiming the next due message with a large outbox: milliseconds per claim_next() call.

Run: .venv/bin/python -m bench.bench_claim [--rows 1000000] [--due 10000] [--later 10000]
                                           [--claims 200] [--no-index-trial]

SQLite file in a temp dir (the schema outreach creates, nothing added); the outbox is filled
in one INSERT ... SELECT over a recursive CTE: ROWS messages, of which DUE are queued and due,
LATER are queued for tomorrow, 1% of the rest failed and the others sent. One campaign is
paused (so the NOT IN filter has something to do). Each claim runs in its own transaction
(BEGIN IMMEDIATE, as outreach does) and is rolled back, so every claim sees the same outbox.
Prints the query plan (EXPLAIN QUERY PLAN) of the claim statement, then the timings. Unless
--no-index-trial, it then adds the index proposed in the report, on this temporary database
only, and measures again (skipped when the shipped plan needs no scan and no sort).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench._fixtures import CAMPAIGN, START, command_line, insert_creators, make_app, make_workspace
from outreach.services.app import App
from outreach.services.dispatch import claim_next

PROPOSED_INDEX = "CREATE INDEX ix_messages_claim ON messages (state, priority, scheduled_at)"


def fill_outbox(path: Path, rows: int, due: int, later: int) -> None:
    """ROWS messages in one statement; timestamps in the format SQLAlchemy writes."""
    db = sqlite3.connect(path)
    db.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
        INSERT INTO messages (
            creator_id, campaign, step, template, language, to_address, from_address, subject,
            body_text, raw, message_id, state, priority, scheduled_at, attempts, created_at,
            sent_at)
        SELECT
            1, :campaign, 1 + i % 3, 'proposal', 'en', 'creator' || i || '@mail.example',
            'luna@glowlab.example', 'A note from Luna', 'Hi there, a short body.',
            'Subject: A note from Luna' || char(10) || char(10) || 'Hi there, a short body.',
            '<' || i || '@bench.glowlab.example>',
            CASE WHEN i <= :due THEN 'queued' WHEN i <= :due + :later THEN 'queued'
                 WHEN i % 100 = 0 THEN 'failed' ELSE 'sent' END,
            CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END,
            CASE WHEN i <= :due
                 THEN printf('%s.000000', datetime(:start, '-' || (i % 3600) || ' seconds'))
                 WHEN i <= :due + :later THEN printf('%s.000000', datetime(:start, '+1 day'))
                 ELSE printf('%s.000000', datetime(:start, '-' || (i % 86400) || ' minutes')) END,
            1,
            printf('%s.000000', datetime(:start, '-' || (i % 86400) || ' minutes')),
            CASE WHEN i > :due + :later AND i % 100 != 0
                 THEN printf('%s.000000', datetime(:start, '-' || (i % 86400) || ' minutes')) END
        FROM n
        """,
        {"rows": rows, "due": due, "later": later, "campaign": CAMPAIGN,
         "start": START.strftime("%Y-%m-%d %H:%M:%S")},
    )  # fmt: skip
    db.execute(
        "INSERT INTO campaign_states (name, paused, updated_at) VALUES (?, 1, ?)",
        ("paused-campaign", START.strftime("%Y-%m-%d %H:%M:%S.000000")),
    )
    db.commit()
    db.close()


def claim_statement(app: App) -> tuple[str, Any]:
    """The SQL and parameters of the UPDATE ... RETURNING that claim_next sends."""
    seen: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE MESSAGES"):
            seen.append((statement, parameters))

    event.listen(app.engine, "before_cursor_execute", remember)
    try:
        with app.session() as session:
            claim_next(session, "bench-worker", START, 60)
            session.rollback()
    finally:
        event.remove(app.engine, "before_cursor_execute", remember)
    return seen[-1]


def print_plan(path: Path, statement: str, parameters: Any) -> bool:
    """Print EXPLAIN QUERY PLAN; True when it scans the table or sorts the candidates."""
    db = sqlite3.connect(path)
    rows = db.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
    db.close()
    print("EXPLAIN QUERY PLAN:")
    for row in rows:
        print(f"  {row[3]}")
    # campaign_states holds one row per campaign: scanning it is free; messages must not be.
    return any(
        (r[3].startswith("SCAN") and "campaign_states" not in r[3]) or "TEMP B-TREE" in r[3]
        for r in rows
    )


def time_claims(app: App, claims: int) -> list[float]:
    """Milliseconds per claim_next() over CLAIMS claims, each rolled back."""
    timings = []
    now = START + timedelta(seconds=1)
    for _ in range(claims + 5):
        with app.session() as session:
            began = time.perf_counter()
            claimed = claim_next(session, "bench-worker", now, 60)
            timings.append((time.perf_counter() - began) * 1e3)
            session.rollback()
        assert claimed is not None
    return timings[5:]  # the first few warm the page cache


def report(label: str, timings: list[float]) -> None:
    """Median and p95."""
    p95 = statistics.quantiles(timings, n=20)[18]
    print(f"{label:<34} median {statistics.median(timings):7.2f} ms   p95 {p95:7.2f} ms   "
          f"({len(timings)} claims)")  # fmt: skip


def main() -> None:
    """Fill, explain, time; then the same with the proposed index."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--later", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--no-index-trial", action="store_true")
    args = parser.parse_args()
    print(command_line())
    with tempfile.TemporaryDirectory() as folder:
        workspace = make_workspace(Path(folder))
        app = make_app(workspace)
        insert_creators(app.engine, 1)
        app.engine.dispose()
        path = workspace / "outreach.db"
        began = time.perf_counter()
        fill_outbox(path, args.rows, args.due, args.later)
        print(f"outbox: {args.rows} rows ({args.due} queued+due, {args.later} queued later, "
              f"the rest sent or 1% failed), {path.stat().st_size / 2**20:.0f} MiB, "
              f"filled in {time.perf_counter() - began:.1f} s")  # fmt: skip
        statement, parameters = claim_statement(app)
        print("claim statement:", " ".join(statement.split()))
        scans = print_plan(path, statement, parameters)
        report("claim_next (schema as shipped)", time_claims(app, args.claims))
        if not scans:
            print("the plan neither scans the table nor sorts: no index trial needed")
            return
        print("the plan scans the table or sorts every due message")
        if args.no_index_trial:
            return
        app.engine.dispose()
        db = sqlite3.connect(path)
        began = time.perf_counter()
        db.execute(PROPOSED_INDEX)
        db.commit()
        db.close()
        print(f"\ntrial: {PROPOSED_INDEX}  ({time.perf_counter() - began:.1f} s to build)")
        print_plan(path, statement, parameters)
        report("claim_next (with the index)", time_claims(app, args.claims))


if __name__ == "__main__":
    main()
