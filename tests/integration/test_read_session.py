"""Reads see one snapshot on PostgreSQL: a read of several statements (a count then a page, engagement
rows then the stakeholders they belong to) is never torn by a consumer committing between them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from rapportkit.db import (
    SessionFactory,
    make_engine,
    make_session_factory,
    one_statement,
    read_session,
    unit_of_work,
)


@pytest.fixture
def factory(pg_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE snapshot_probe (n integer NOT NULL)"))
        conn.execute(text("INSERT INTO snapshot_probe VALUES (1)"))
    yield make_session_factory(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE snapshot_probe"))
    engine.dispose()


def count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM snapshot_probe")).scalar_one())


def test_a_read_keeps_its_snapshot_while_a_writer_commits(factory: SessionFactory) -> None:
    with read_session(factory) as read:
        assert count(read) == 1
        with unit_of_work(factory) as write:
            write.execute(text("INSERT INTO snapshot_probe VALUES (2)"))
        assert count(read) == 1, "the second statement of one read saw a commit made after the first"
    with read_session(factory) as later:
        assert count(later) == 2


def test_a_read_session_refuses_writes(factory: SessionFactory) -> None:
    with read_session(factory) as read, pytest.raises(DBAPIError, match="read-only"):
        read.execute(text("INSERT INTO snapshot_probe VALUES (3)"))
    with read_session(factory) as read:
        assert count(read) == 1


def test_the_pooled_connection_returns_to_read_committed(factory: SessionFactory) -> None:
    with read_session(factory):
        pass
    with unit_of_work(factory) as write:
        level = write.execute(text("SHOW transaction_isolation")).scalar_one()
        write.execute(text("INSERT INTO snapshot_probe VALUES (4)"))
    assert level == "read committed"


def test_one_statement_is_committed_when_it_returns_and_the_connection_returns_to_transactions(
        factory: SessionFactory) -> None:
    """`one_statement` (the scorer's claim): on PostgreSQL the statement commits as it runs, without a
    BEGIN and a COMMIT round trip, so another session sees it before this one closes; the pooled
    connection is back in transactions afterwards (a unit of work rolled back leaves nothing)."""
    with one_statement(factory) as single:
        single.execute(text("INSERT INTO snapshot_probe VALUES (5)"))
        with read_session(factory) as other:
            assert count(other) == 2, "committed as the statement ran"
    with pytest.raises(RuntimeError), unit_of_work(factory) as write:
        write.execute(text("INSERT INTO snapshot_probe VALUES (6)"))
        raise RuntimeError("rolled back")
    with read_session(factory) as read:
        assert count(read) == 2
