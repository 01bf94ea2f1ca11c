"""Opening a database: a new one is made in one step, an older version's schema is brought up
to date; a current one is not checked again on every start (its fingerprint says it is
current)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from outreach.adapters import database
from outreach.adapters.database import (
    SCHEMA_FINGERPRINT,
    create_schema,
    make_engine,
    schema_fingerprint,
)
from tests.pg_server import PostgresTestServer


def _columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def _indexes(engine: Engine, table: str) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes(table)}


def _stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        query = text("SELECT value FROM stored_keys WHERE name = :name")
        return list(connection.execute(query, {"name": SCHEMA_FINGERPRINT}).scalars())


def _schema_of(engine: Engine) -> dict[str, tuple[list[tuple[str, str, bool]], set[str]]]:
    """Every table's columns (name, type, nullable) and index names, as the database has them."""
    inspector = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            {str(index["name"]) for index in inspector.get_indexes(table)},
        )
        for table in inspector.get_table_names()
    }


def _empty_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}"
    server: PostgresTestServer = request.getfixturevalue("pg_server")
    name = f"empty_{uuid.uuid4().hex[:16]}"
    request.addfinalizer(lambda: server.drop_database_soon(name))
    return server.create_database(name)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_new_database_gets_in_one_step_what_the_checks_would_make(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = make_engine(_empty_database(request, backend, tmp_path))
    with monkeypatch.context() as patched:  # no fast path: every table and index checked
        patched.setattr(database, "_created_in_empty_database", lambda *args: False)
        create_schema(checked)
    new = make_engine(_empty_database(request, backend, tmp_path))
    create_schema(new)

    assert _schema_of(new) == _schema_of(checked)
    assert len(_schema_of(new)) == len(SQLModel.metadata.tables)
    assert _stored(new) == _stored(checked) == [schema_fingerprint()]
    checked.dispose()
    new.dispose()


def test_workers_starting_at_once_on_a_new_postgresql_database_all_open_it(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _empty_database(request, "postgresql", tmp_path)
    engines = [make_engine(url) for _ in range(4)]
    with ThreadPoolExecutor(len(engines)) as pool:
        list(pool.map(create_schema, engines))  # raises if any of them failed

    assert len(_schema_of(engines[0])) == len(SQLModel.metadata.tables)
    assert _stored(engines[0]) == [schema_fingerprint()]
    for engine in engines:
        engine.dispose()


def _as_an_older_version_left_it(engine: Engine, fingerprint: str | None) -> None:
    """This version's schema without inbound.moved_to and one index, as an upgrade finds it."""
    create_schema(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_inbound_header_message_id")
        connection.exec_driver_sql("ALTER TABLE inbound DROP COLUMN moved_to")
        connection.exec_driver_sql(f"DELETE FROM stored_keys WHERE name = '{SCHEMA_FINGERPRINT}'")
        if fingerprint is not None:
            connection.exec_driver_sql(
                "INSERT INTO stored_keys (name, value) VALUES (?, ?)",
                (SCHEMA_FINGERPRINT, fingerprint),
            )


@pytest.mark.parametrize("older_fingerprint", [None, "0123456789abcdef"])
def test_an_older_schema_gets_the_new_column_and_index_and_is_then_noted_as_current(
    tmp_path: Path, older_fingerprint: str | None
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'outreach.db'}")
    _as_an_older_version_left_it(engine, older_fingerprint)
    assert "moved_to" not in _columns(engine, "inbound")

    create_schema(engine)

    assert "moved_to" in _columns(engine, "inbound")
    assert "ix_inbound_header_message_id" in _indexes(engine, "inbound")
    assert _stored(engine) == [schema_fingerprint()]
    engine.dispose()


def test_a_current_schema_is_not_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'outreach.db'}")
    create_schema(engine)

    def checked(*args: object, **kwargs: object) -> None:
        raise AssertionError("the catalogue was read again")

    monkeypatch.setattr(SQLModel.metadata, "create_all", checked)
    create_schema(engine)  # returns at the fingerprint

    assert _stored(engine) == [schema_fingerprint()]
    engine.dispose()


def test_the_fingerprint_changes_with_the_tables_this_code_defines() -> None:
    before = schema_fingerprint()
    table = SQLModel.metadata.tables["inbound"]
    column = table.columns["moved_to"]
    try:
        column.nullable = not column.nullable
        schema_fingerprint.cache_clear()
        assert schema_fingerprint() != before
    finally:
        column.nullable = not column.nullable
        schema_fingerprint.cache_clear()
    assert schema_fingerprint() == before
