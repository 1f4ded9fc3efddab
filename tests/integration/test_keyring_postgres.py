"""The keyring on PostgreSQL (rapportkit.keyring): the batches read in autocommit, one round trip a
statement, and still see a destruction another process commits at their next batch; its writes
stay transactions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from rapportkit.keyring import Keyring


@pytest.fixture
def rings(pg_url: str) -> Iterator[tuple[Keyring, Keyring]]:
    """Two processes over one keyring: two `Keyring`s, each with its own cache and pool."""
    gateway, worker = Keyring(pg_url), Keyring(pg_url)
    gateway.upgrade()
    yield gateway, worker
    gateway.close()
    worker.close()


def autocommit(session: Session) -> bool:
    """Whether the psycopg connection under the session is in autocommit."""
    driver: Any = session.connection().connection.driver_connection
    return bool(driver.autocommit)


def test_a_destruction_reaches_the_other_process_s_next_batch(rings: tuple[Keyring, Keyring]) -> None:
    gateway, worker = rings
    keys = gateway.keys_for("acme", ["linkedin.com/in/ada", "linkedin.com/in/bob"])
    ada, bob = ("acme", keys["linkedin.com/in/ada"].key_id), ("acme", keys["linkedin.com/in/bob"].key_id)
    assert set(worker.keys_by_id([ada, bob])) == {ada, bob}  # cached from here on
    assert worker.keys_for("acme", ["linkedin.com/in/ada"])["linkedin.com/in/ada"].key_id == ada[1]
    assert gateway.forget("acme", ["linkedin.com/in/ada"]) == 1
    assert set(worker.keys_by_id([ada, bob])) == {bob}
    assert worker.keys_for("acme", ["linkedin.com/in/ada"])["linkedin.com/in/ada"].key_id != ada[1]
    assert gateway.forget_tenant("acme") == 2
    assert worker.keys_by_id([bob]) == {}


def test_reads_are_in_autocommit_and_writes_in_transactions_on_the_same_pool(
        rings: tuple[Keyring, Keyring]) -> None:
    """A batch's reads send no BEGIN and no ROLLBACK; a connection they used goes back to the pool
    transactional, so a destruction (keys deleted, generation bumped) still commits as one."""
    ring, _ = rings
    keys = ring.keys_for("acme", ["linkedin.com/in/ada"])
    with ring._reading() as session:
        assert autocommit(session)
    ring.keys_by_id([("acme", keys["linkedin.com/in/ada"].key_id)])
    for _ in range(4):  # the pool's connections, each used by a read before
        with ring.sessions() as session:
            assert not autocommit(session)
