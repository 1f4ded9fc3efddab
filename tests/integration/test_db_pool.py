"""Pooled PostgreSQL connections (rapportkit.db.make_engine): one that sat idle in the pool is pinged
before use and replaced when the server dropped it; one used a moment ago is not pinged, so a drop
right after fails that one transaction and the next one gets a new connection."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from rapportkit import db
from rapportkit.db import make_engine, make_session_factory, unit_of_work


@pytest.fixture
def engine(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.3)
    engine = make_engine(pg_url, pool_size=1)
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> int:
    with unit_of_work(make_session_factory(engine)) as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def drop(pg_url: str, pid: int) -> None:
    """The server ends the backend `pid` (as a restart or an idle timeout would)."""
    other = make_engine(pg_url)
    try:
        with other.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        other.dispose()


def test_a_connection_idle_in_the_pool_is_pinged_and_replaced_when_gone(engine: Engine, pg_url: str) -> None:
    first = backend_pid(engine)
    drop(pg_url, first)
    time.sleep(0.5)  # longer in the pool than the ping threshold
    assert backend_pid(engine) != first  # pinged, found gone, replaced: the caller never saw it


def test_a_connection_used_a_moment_ago_is_not_pinged(engine: Engine, pg_url: str) -> None:
    first = backend_pid(engine)
    drop(pg_url, first)  # within the threshold: no ping, so the transaction meets the dropped connection
    with pytest.raises(OperationalError):
        backend_pid(engine)
    assert backend_pid(engine) != first  # the disconnect invalidated the pool: the next one is new
