"""The throwaway PostgreSQL test server: start, template clones, SKIP LOCKED, drop, stop."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
import sqlalchemy as sa

from tests.pg_server import TEMPLATE_NAME, PostgresTestServer, find_postgres_bin_dir

metadata = sa.MetaData()
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)


def prepare_schema(url: str) -> None:
    """Create the example table and one seed row, as a caller's schema function would."""
    engine = sa.create_engine(url)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(jobs.insert(), [{"id": 1, "name": "seed"}])
    finally:
        engine.dispose()


def job_names(url: str) -> list[str]:
    """Names in the jobs table of a database, in id order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sa.select(jobs.c.name).order_by(jobs.c.id)))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresTestServer]:
    """One server for this module."""
    with PostgresTestServer() as pg:
        yield pg


def test_binaries_are_found() -> None:
    """The bin dir holds initdb and pg_ctl."""
    bin_dir = find_postgres_bin_dir()
    assert bin_dir is not None
    assert (bin_dir / "initdb").exists()
    assert (bin_dir / "pg_ctl").exists()


def test_server_runs_with_test_settings(server: PostgresTestServer) -> None:
    """The server listens on loopback, with speed-over-safety settings."""
    assert server.url("db1") == f"postgresql+psycopg://{server.user}@127.0.0.1:{server.port}/db1"
    with server.connect() as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in (
                "fsync",
                "synchronous_commit",
                "full_page_writes",
                "max_connections",
                "server_encoding",
                "lc_collate",
            )
        }
    assert settings == {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
        "server_encoding": "UTF8",
        "lc_collate": "C",
    }
    assert server.socket_dir.is_relative_to(server.base_dir)  # type: ignore[arg-type]


def test_clones_of_the_template_are_independent(server: PostgresTestServer) -> None:
    """Each clone starts with the template's schema and data, and changes stay in it."""
    template_url = server.create_template(prepare_schema)
    assert template_url.endswith(f"/{TEMPLATE_NAME}")
    assert server.create_template(prepare_schema) == template_url  # once per server

    first, second = server.fresh_database(), server.fresh_database()
    assert first != second
    engine = sa.create_engine(first)
    with engine.begin() as conn:
        conn.execute(jobs.insert(), [{"id": 2, "name": "only-in-first"}])
    engine.dispose()

    assert job_names(first) == ["seed", "only-in-first"]
    assert job_names(second) == ["seed"]
    assert job_names(template_url) == ["seed"]


def test_clone_works_while_someone_holds_the_template_open(server: PostgresTestServer) -> None:
    """A forgotten connection to the template does not block cloning."""
    server.create_template(prepare_schema)
    lingering = server.connect(TEMPLATE_NAME)
    try:
        assert job_names(server.fresh_database()) == ["seed"]
    finally:
        lingering.close()


def test_skip_locked_across_two_connections(server: PostgresTestServer) -> None:
    """A row locked FOR UPDATE by one session is skipped by another."""
    server.create_template(prepare_schema)
    url = server.fresh_database()
    dbname = url.rsplit("/", 1)[1]
    with server.connect(dbname) as conn:
        conn.execute("INSERT INTO jobs (id, name) VALUES (2, 'second')")

    claim = "SELECT id FROM jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    with (
        server.connect(dbname, autocommit=False) as worker_a,
        server.connect(dbname, autocommit=False) as worker_b,
    ):
        assert worker_a.execute(claim).fetchone() == (1,)
        assert worker_b.execute(claim).fetchone() == (2,)
        assert worker_b.execute(claim).fetchone() == (2,)  # own lock: still visible to itself
        worker_a.rollback()
        assert worker_a.execute(claim).fetchone() == (1,)
        worker_a.rollback()
        worker_b.rollback()


def test_create_and_drop_database(server: PostgresTestServer) -> None:
    """Plain create/drop work, drop disconnects users and tolerates a missing database."""
    url = server.create_database("plain_db")
    assert url.endswith("/plain_db")
    assert server.database_exists("plain_db")
    holder = server.connect("plain_db")
    server.drop_database("plain_db")
    assert not server.database_exists("plain_db")
    assert holder.closed or holder.broken or _is_dead(holder)
    holder.close()
    server.drop_database("plain_db")  # no error when already gone


def test_a_database_dropped_soon_is_gone_shortly_and_its_sessions_ended(
    server: PostgresTestServer,
) -> None:
    """The teardown's drop: it returns at once; the database goes in the background."""
    server.create_database("later_db")
    holder = server.connect("later_db")  # as a test's engine leaves its connection
    server.drop_database_soon("later_db")
    deadline = time.monotonic() + 10
    while server.database_exists("later_db"):
        assert time.monotonic() < deadline, "the database was never dropped"
        time.sleep(0.02)
    assert _is_dead(holder)
    holder.close()
    with pytest.raises(ValueError, match="database name"):
        server.drop_database_soon("x; DROP TABLE y")


def _is_dead(conn: psycopg.Connection) -> bool:
    """Whether a connection was terminated by the server."""
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False


def test_rejects_unsafe_database_names(server: PostgresTestServer) -> None:
    """Names are plain identifiers, never SQL fragments."""
    with pytest.raises(ValueError, match="database name"):
        server.create_database('x"; DROP DATABASE postgres; --')


def test_stop_removes_the_data_dir() -> None:
    """stop() shuts the server down and deletes its files; stopping twice is harmless."""
    pg = PostgresTestServer().start()
    base, port = pg.base_dir, pg.port
    assert base is not None
    assert (base / "data" / "PG_VERSION").exists()
    pg.stop()
    assert not base.exists()
    assert not pg.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"host=127.0.0.1 port={port} user={pg.user} dbname=postgres")
    pg.stop()


def test_failed_start_reports_the_server_log() -> None:
    """A server that cannot start raises with the log tail and leaves nothing behind."""
    pg = PostgresTestServer(settings={"shared_buffers": "not-a-size"})
    with pytest.raises(RuntimeError, match="server log tail") as failure:
        pg.start()
    assert "shared_buffers" in str(failure.value)
    assert pg.base_dir is None
    assert not pg.running
