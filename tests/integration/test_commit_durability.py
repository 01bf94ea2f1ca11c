"""Which commits wait for the disk: every one, except those a transaction opts out of.

Only records that may be lost at a power cut without harm opt out (adapters.database,
RELAXED_COMMIT); everything else, claims above all, stays fully durable.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from outreach.adapters.database import RELAXED_COMMIT, create_schema, make_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'outreach.db'}"
    made = make_engine(url)
    create_schema(made)
    if request.param == "postgresql":
        # The test server runs with synchronous_commit off for speed; this database gets the
        # usual default back, so that opting out is seen to change something.
        with made.connect() as connection:
            name = connection.exec_driver_sql("SELECT current_database()").scalar_one()
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
            connection.commit()
        made.dispose()
    yield made
    made.dispose()


def _durability(session: Session) -> str:
    """What the current transaction's commit will do, as the database says it."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return str(connection.exec_driver_sql("SHOW synchronous_commit").scalar_one())
    return {1: "normal", 2: "full"}[connection.exec_driver_sql("PRAGMA synchronous").scalar_one()]


def test_a_transaction_waits_for_the_disk_unless_it_opts_out(engine: Engine) -> None:
    relaxed = {RELAXED_COMMIT: True}
    with Session(engine) as session:
        usual = _durability(session)
    assert usual in ("full", "on")
    # Alternating on the same pooled connection: the level is set again for each transaction.
    for _ in range(2):
        with Session(engine) as session:
            session.connection(execution_options=relaxed)
            assert _durability(session) in ("normal", "off")
            session.commit()
        with Session(engine) as session:
            assert _durability(session) == usual
            session.commit()
