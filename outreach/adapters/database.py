"""Database engine and schema for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from sqlalchemy import Table, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import SQLModel, create_engine

from outreach.adapters import models  # also registers the tables
from outreach.errors import SettingsError
from outreach.settings import masked_database_url, scrub, url_secrets


def make_engine(url: str) -> Engine:
    """An engine for the URL, with SQLite set up for safe concurrent use on one host."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
        else:
            engine = create_engine(url, pool_pre_ping=True)
            event.listen(engine, "begin", _postgres_begin)
    except Exception as exc:  # driver import errors and malformed URLs
        shown = masked_database_url(url)
        raise SettingsError(f"OUTREACH_DATABASE_URL ({shown}): {type(exc).__name__}") from None
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling starts transactions lazily and deferred; we
    # take over so that every transaction is BEGIN IMMEDIATE (below).
    connection.isolation_level = None
    cursor = connection.cursor()
    # WAL lets readers (reports) run while the worker writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# An execution option (Session.connection(execution_options=...)) for a transaction that may
# be lost at a power cut without harm, so its commit does not wait for the disk. Only the
# record of what a message did qualifies: lost, the message stays "sending" and is shown as
# unknown, never sent again; and the next claim's commit, which does wait, makes it durable
# before another message goes. A killed process loses nothing either way.
RELAXED_COMMIT = "outreach_relaxed_commit"


# An execution option for a transaction that only reads (a report, a listing, `status`). On
# SQLite it begins deferred, so it takes no write lock: a 1 s report over a large history no
# longer holds every sender and the inbox sync up for that second; WAL gives it a consistent
# snapshot all the same. A write in it fails at once ("attempt to write a readonly database").
READ_ONLY = "outreach_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    options = connection.get_execution_options()
    info = connection.connection.info
    # PRAGMAs may not change inside a transaction: they are chosen here, per transaction,
    # and sent only when they differ from what this connection has.
    _set_pragma(connection, info, "query_only", "1" if options.get(READ_ONLY) else "0")
    if options.get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    _set_pragma(connection, info, "synchronous",
                "NORMAL" if options.get(RELAXED_COMMIT) else "FULL")  # fmt: skip
    # A deferred transaction that reads, then writes, can fail with "database is locked"
    # when another process wrote in between; taking the write lock up front serialises
    # workers on one host instead (SQLite serves one host; PostgreSQL serves several).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _set_pragma(connection: Any, info: dict[str, Any], name: str, value: str) -> None:
    # query_only is off on a new connection; synchronous is sent before its first use.
    if info.get(name, _PRAGMA_DEFAULTS.get(name)) != value:
        connection.exec_driver_sql(f"PRAGMA {name}={value}")
        info[name] = value


_PRAGMA_DEFAULTS = {"query_only": "0"}


def _postgres_begin(connection: Any) -> None:
    options = connection.get_execution_options()
    if options.get(READ_ONLY):
        # Readers never block writers here; this only makes a stray write fail, as on SQLite.
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif options.get(RELAXED_COMMIT):
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


# PostgreSQL cancels one of two transactions that cannot both go on (deadlock_detected,
# serialization_failure); running the cancelled one again is the documented remedy.
_CANCELLED_FOR_ANOTHER = frozenset({"40P01", "40001"})


def cancelled_for_another(exc: BaseException) -> bool:
    """Whether the database cancelled this transaction for another's sake (run it again)."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _CANCELLED_FOR_ANOTHER


def create_schema(engine: Engine) -> None:
    """Create any missing tables and columns; existing data is left as it is."""
    try:
        fingerprint = schema_fingerprint()
        if _stored_fingerprint(engine) == fingerprint:
            return  # this version's schema is in place: every command skips the checks
        if _created_in_empty_database(engine, fingerprint):
            return
        SQLModel.metadata.create_all(engine)
        _add_missing_columns(engine)
        _add_missing_indexes(engine)
        _store_fingerprint(engine, fingerprint)
    except Exception as exc:
        raw = engine.url.render_as_string(hide_password=False)
        reason = scrub(_first_line(exc), url_secrets(raw))
        raise SettingsError(
            f"OUTREACH_DATABASE_URL ({masked_database_url(raw)}): cannot open the database: "
            f"{type(exc).__name__}: {reason}"
        ) from None


# The checks below read the database's catalogue table by table (tens of milliseconds, paid
# by every command and every worker start). Once they have run, the schema they made is noted
# by a fingerprint of the tables this code defines; a later start with the same code skips
# them. Another version (more tables, columns or indexes) has another fingerprint.
SCHEMA_FINGERPRINT = "schema_fingerprint"
_KEYS = models.table_of(models.StoredKey)
_READ_FINGERPRINT = select(_KEYS.c.value).where(_KEYS.c.name == SCHEMA_FINGERPRINT)


@cache
def schema_fingerprint() -> str:
    """A digest of every table, column, type, constraint and index this code defines."""
    digest = hashlib.sha256()
    for table in SQLModel.metadata.sorted_tables:
        digest.update(f"table {table.name}\n".encode())
        for column in table.columns:
            digest.update(f" {column.name} {column.type!r} {column.nullable} "
                          f"{column.primary_key} {sorted(map(str, column.foreign_keys))}\n"
                          .encode())  # fmt: skip
        for constraint in sorted(map(_described, table.constraints)):
            digest.update(f" {constraint}\n".encode())
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            digest.update(f" index {index.name} {index.unique} "
                          f"{[column.name for column in index.columns]}\n".encode())  # fmt: skip
    return digest.hexdigest()[:32]


def _described(constraint: Any) -> str:
    # Not repr(): it shows defaults and objects by their address, which differ per process.
    columns = [column.name for column in getattr(constraint, "columns", ())]
    return f"{type(constraint).__name__} {constraint.name} {columns}"


def _stored_fingerprint(engine: Engine) -> str | None:
    with engine.connect() as connection:  # a database that cannot be reached raises here
        # Read-only: a command's start neither waits for a sender's write nor holds one up.
        connection.execution_options(**{READ_ONLY: True})
        try:
            value: str | None = connection.execute(_READ_FINGERPRINT).scalar_one_or_none()
        except (OperationalError, ProgrammingError):
            return None  # a new database: no table yet
        return value


def upsert_into(dialect: str, table: Table) -> Any:
    """An INSERT into the table that can say ON CONFLICT, in this dialect's own form."""
    # Imported here: PostgreSQL's dialect costs every SQLite command ~20 ms at start.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _created_in_empty_database(engine: Engine, fingerprint: str) -> bool:
    """Create every table, index and the fingerprint at once when the database has no table.

    A new database needs none of the checks, which read the catalogue table by table (most of
    a first start's time). One transaction, so a failure leaves nothing half made: on SQLite
    it holds the write lock from the start; on PostgreSQL a worker starting at the same time
    makes this one fail, and the checks below then find its tables.
    """
    try:
        with engine.begin() as connection:
            if inspect(connection).get_table_names():
                return False
            SQLModel.metadata.create_all(connection, checkfirst=False)
            connection.execute(_fingerprint_upsert(engine.dialect.name, fingerprint))
    except (IntegrityError, OperationalError, ProgrammingError):
        return False
    return True


def _fingerprint_upsert(dialect: str, fingerprint: str) -> Any:
    # An upsert: workers starting at once on a new database may both store it.
    return (
        upsert_into(dialect, _KEYS)
        .values(name=SCHEMA_FINGERPRINT, value=fingerprint)
        .on_conflict_do_update(index_elements=["name"], set_={"value": fingerprint})
    )


def _store_fingerprint(engine: Engine, fingerprint: str) -> None:
    with engine.begin() as connection:
        connection.execute(_fingerprint_upsert(engine.dialect.name, fingerprint))


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else ""


def _add_missing_indexes(engine: Engine) -> None:
    """Create indexes newer versions introduced on tables an older version created."""
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for index in table.indexes:
                index.create(connection, checkfirst=True)


def _add_missing_columns(engine: Engine) -> None:
    """Add columns newer versions introduced to tables an older version created."""
    existing_tables = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        inspector = inspect(connection)
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                connection.exec_driver_sql(
                    f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
                )
            indexes = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in indexes:
                    index.create(connection)
