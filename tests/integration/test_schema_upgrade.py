"""Opening a database: an older version's schema is brought up to date; a current one is not
checked again on every start (its fingerprint says it is current)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from outreach.adapters.database import (
    SCHEMA_FINGERPRINT,
    create_schema,
    make_engine,
    schema_fingerprint,
)


def _columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def _indexes(engine: Engine, table: str) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes(table)}


def _stored(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        query = text("SELECT value FROM stored_keys WHERE name = :name")
        return list(connection.execute(query, {"name": SCHEMA_FINGERPRINT}).scalars())


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
