"""Sessions that only read (reports, listings, `status`) hold up no writer, and cannot write.

Every other SQLite transaction takes the write lock up front (BEGIN IMMEDIATE): a report over
a large history would otherwise hold every sender and the inbox sync up while it reads.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from outreach.adapters.models import Creator, Suppression
from outreach.bootstrap import bootstrap
from outreach.services.app import App
from tests.conftest import run_outreach

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _app(workspace: Path, database_url: str) -> App:
    return bootstrap(workspace, environ={"OUTREACH_DATABASE_URL": database_url})


def test_a_reading_session_cannot_write_and_leaves_its_connection_writable(
    workspace: Path, database_url: str
) -> None:
    app = _app(workspace, database_url)
    with app.reading() as session:
        assert session.exec(select(Suppression)).all() == []
        stray = Suppression(address="stray@example.com", reason="a stray write", created_at=NOW)
        session.add(stray)
        with pytest.raises(DBAPIError, match="(?i)read.?only"):
            session.flush()
    # The same pooled connection, in an ordinary transaction, writes as before.
    with app.session() as session:
        assert session.exec(select(Suppression)).all() == []  # the stray write left nothing
        session.add(Suppression(address="kept@example.com", reason="by hand", created_at=NOW))
        session.commit()
    with app.reading() as session:
        assert [row.address for row in session.exec(select(Suppression))] == ["kept@example.com"]


def test_a_writer_goes_on_while_a_report_reads(workspace: Path) -> None:
    database = workspace / "outreach.db"
    app = _app(workspace, f"sqlite:///{database}")
    with app.reading() as session:
        assert session.exec(select(Creator)).all() == []  # the read transaction has begun
        writer = sqlite3.connect(database, timeout=0.5)  # another process, say the daemon
        began = time.monotonic()
        writer.execute("BEGIN IMMEDIATE")  # "database is locked" here before this change
        writer.execute(
            "INSERT INTO suppressions (address, reason, source, created_at) "
            "VALUES ('a@example.com', 'test', 'manual', '2026-12-01 00:00:00')"
        )
        writer.execute("COMMIT")
        writer.close()
        assert time.monotonic() - began < 0.5  # it did not wait for the reader
        # The reader keeps the snapshot it began with.
        assert session.exec(select(Suppression)).all() == []
    with app.reading() as session:
        assert len(session.exec(select(Suppression)).all()) == 1


def test_listing_commands_run_while_another_process_holds_the_write_lock(
    workspace: Path,
) -> None:
    database = workspace / "outreach.db"
    _app(workspace, f"sqlite:///{database}")  # the schema and its fingerprint are in place
    holder = sqlite3.connect(database, timeout=0.5)
    holder.execute("BEGIN IMMEDIATE")  # a long write elsewhere (an import, a sync)
    try:
        for argv in (["status"], ["report", "--format", "json"], ["contacts", "list"],
                     ["outbox", "list"], ["suppress", "list"]):  # fmt: skip
            # Before this change each waited out SQLite's 30 s busy timeout, then failed.
            result = run_outreach(workspace, *argv)
            assert result.code == 0, (argv, result.stderr)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
