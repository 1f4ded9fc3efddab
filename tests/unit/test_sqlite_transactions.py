"""SQLite (the embedded default): readers begin DEFERRED transactions on the WAL snapshot and never
wait for the write lock; writers begin IMMEDIATE and do wait for it. Real database files, a second
real sqlite3 connection holding the write lock, no mocks. (PostgreSQL's read sessions:
tests/integration/test_read_session.py.)"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import services.scoring
from rapportkit.db import (
    READ_ONLY_OPTION,
    SessionFactory,
    make_engine,
    make_session_factory,
    read_session,
    unit_of_work,
)
from rapportkit.identity import HEADER, Identity, sign
from rapportkit.service import ServiceSpec, api_app
from rapportkit.settings import ServiceSettings
from services.scoring.api import settings as scoring_settings

with warnings.catch_warnings():  # starlette's test client prefers httpx2; httpx is what the project has
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

LOCK_WAIT = 0.3  # the test engine's busy timeout: a read that waited for the lock would fail, not hang


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "probe.db"


@pytest.fixture
def factory(path: Path) -> Iterator[SessionFactory]:
    engine = make_engine(f"sqlite:///{path}", busy_timeout=LOCK_WAIT)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (n integer NOT NULL)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the write lock, with an insert it has not committed."""
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO probe VALUES (99)")
    yield other
    other.execute("ROLLBACK")
    other.close()


def values(session: Session) -> list[int]:
    return [int(n) for n in session.execute(text("SELECT n FROM probe ORDER BY n")).scalars()]


def test_the_begin_listener_is_told_which_transaction_it_begins(factory: SessionFactory) -> None:
    """`read_session` sets its execution option before the transaction begins: SQLAlchemy passes it
    to `begin` listeners, so the engine's listener begins a reader's transaction."""
    engine = factory.kw["bind"]
    seen: list[Any] = []

    @event.listens_for(engine, "begin")
    def record(conn: Any) -> None:
        seen.append(conn.get_execution_options().get(READ_ONLY_OPTION))

    with read_session(factory) as read:
        read_only = read.execute(text("PRAGMA query_only")).scalar_one()
    with unit_of_work(factory) as write:
        writable = write.execute(text("PRAGMA query_only")).scalar_one()
    assert seen == [True, None]
    assert (read_only, writable) == (1, 0)


def test_a_read_does_not_wait_for_a_writer_and_sees_the_last_commit(factory: SessionFactory,
                                                                    write_lock: sqlite3.Connection) -> None:
    started = time.monotonic()
    with read_session(factory) as read:
        seen = values(read)
    took = time.monotonic() - started
    assert seen == [1], "a read saw another connection's uncommitted row"
    assert took < LOCK_WAIT / 2, f"a read waited {took:.2f} s for the write lock"


def test_a_writer_waits_for_the_write_lock(factory: SessionFactory, write_lock: sqlite3.Connection) -> None:
    """The other side of the test above: a unit of work does wait for the lock (and, with the test's
    short busy timeout, gives up), so the read's test would have failed had reads taken it."""
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"), unit_of_work(factory) as write:
        write.execute(text("INSERT INTO probe VALUES (2)"))
    assert time.monotonic() - started >= LOCK_WAIT * 0.9


def test_a_read_keeps_its_snapshot_while_a_writer_commits(factory: SessionFactory) -> None:
    with read_session(factory) as read:
        assert values(read) == [1]
        started = time.monotonic()
        with unit_of_work(factory) as write:  # the open read does not hold the writer up
            write.execute(text("INSERT INTO probe VALUES (2)"))
        assert time.monotonic() - started < LOCK_WAIT / 2
        assert values(read) == [1], "the second statement of one read saw a commit made after the first"
    with read_session(factory) as later:
        assert values(later) == [1, 2]


def test_a_read_session_refuses_writes_and_leaves_the_connection_writable(factory: SessionFactory) -> None:
    with read_session(factory) as read, pytest.raises(OperationalError, match="readonly"):
        read.execute(text("INSERT INTO probe VALUES (3)"))
    with unit_of_work(factory) as write:  # the same pooled connection: writable again
        write.execute(text("INSERT INTO probe VALUES (4)"))
    with read_session(factory) as read:
        assert values(read) == [1, 4]


def test_a_write_in_a_request_that_also_reads_does_not_lock_itself_out(tmp_path: Path) -> None:
    """PUT /v1/settings/scoring reads the current settings through the request's read session, then
    writes in a unit of work on another connection. While reads took the write lock, the write
    waited for the request's own read (the whole busy timeout, then "database is locked")."""
    secret = secrets.token_hex(32)
    settings = ServiceSettings(service="scoring", database_url=f"sqlite:///{tmp_path / 'scoring.db'}",
                               internal_secret=secret)
    spec = ServiceSpec(name="scoring", settings=settings, title="scoring (test)",
                       migrations=Path(services.scoring.__file__).parent / "migrations",
                       routers=[scoring_settings.router])
    admin = {HEADER: sign(Identity(tenant_id="demo", role="admin"), secret)}
    with TestClient(api_app(spec)) as client:
        started = time.monotonic()
        changed = client.put("/v1/settings/scoring", json={"window_days": 30}, headers=admin)
        took = time.monotonic() - started
        assert changed.status_code == 200, changed.text
        assert took < 5, f"the write waited {took:.1f} s for the request's own read"
        assert client.get("/v1/settings/scoring", headers=admin).json()["window_days"] == 30


def test_first_connections_racing_to_switch_a_new_file_to_wal_all_get_it(tmp_path: Path) -> None:
    """A service's API and worker open its new database at once at start. Two first connections
    switching a new file to WAL together: SQLite refuses one at once ("database is locked", no busy
    wait); the engine retries it, so every process starts (before: about one start in a hundred
    failed, the race the CI once lost)."""
    rounds, racers = 60, 3
    failures: list[str] = []
    for n in range(rounds):
        url = f"sqlite:///{tmp_path / f'race-{n}.db'}"
        barrier = threading.Barrier(racers)

        def connect(url: str = url, barrier: threading.Barrier = barrier) -> None:
            engine = make_engine(url, busy_timeout=5)
            barrier.wait()
            try:
                with engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            except OperationalError as e:
                failures.append(str(e.orig))
            finally:
                engine.dispose()

        threads = [threading.Thread(target=connect) for _ in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
