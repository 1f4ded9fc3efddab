"""The keyring (rapportkit.keyring): keys per person and tenant, found by HMAC lookups, fetched in
batches, destroyed by erasure and by tenant deletion."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from rapportkit.keyring import TENANT_KEY, Keyring, KeyRow, TenantSecret


@pytest.fixture
def ring(tmp_path: Path) -> Iterator[Keyring]:
    ring = Keyring(f"sqlite:///{tmp_path / 'keyring.db'}")
    ring.upgrade()
    ring.upgrade()  # every process may migrate: a second time is a no-op
    yield ring
    ring.close()


def statements(ring: Keyring) -> list[str]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(ring.engine, "before_cursor_execute", count)
    return seen


def test_keys_are_created_once_per_person_and_tenant(ring: Keyring) -> None:
    first = ring.keys_for("acme", ["linkedin.com/in/ada", TENANT_KEY])
    again = ring.keys_for("acme", ["linkedin.com/in/ada", "bob@example.com"])
    assert again["linkedin.com/in/ada"] == first["linkedin.com/in/ada"]
    assert len(first["linkedin.com/in/ada"].secret) == 32  # AES-256
    assert first[TENANT_KEY].key_id != first["linkedin.com/in/ada"].key_id
    other = ring.keys_for("globex", ["linkedin.com/in/ada"])["linkedin.com/in/ada"]
    assert other.key_id != first["linkedin.com/in/ada"].key_id and other.secret != first["linkedin.com/in/ada"].secret
    assert "secret" not in repr(other) or repr(other.secret) not in repr(other)


def test_key_ids_and_lookups_reveal_nobody(ring: Keyring) -> None:
    person = "linkedin.com/in/ada"
    key = ring.keys_for("acme", [person])[person]
    plain = {hashlib.sha256(person.encode()).hexdigest(), hashlib.md5(person.encode()).hexdigest(),  # noqa: S324
             hashlib.sha1(person.encode()).hexdigest()}  # noqa: S324
    with ring.sessions() as session:
        row = session.scalars(select(KeyRow).where(KeyRow.key_id == key.key_id)).one()
        secret = session.get_one(TenantSecret, "acme").secret
    assert person not in key.key_id and not any(h[:24] in key.key_id for h in plain)  # a random id
    assert row.lookup not in plain and person not in row.lookup  # an HMAC under the tenant's secret
    assert len(secret) == 32
    assert ring.keys_for("globex", [person])  # another tenant: another secret, another lookup
    with ring.sessions() as session:
        lookups = set(session.scalars(select(KeyRow.lookup)))
    assert len(lookups) == 2


def test_a_batch_costs_the_same_statements_whatever_its_size(ring: Keyring) -> None:
    seen = statements(ring)
    ring.keys_for("acme", ["p0"])
    few = len(seen)
    seen.clear()
    people = [f"linkedin.com/in/p{i}" for i in range(2000)]
    keys = ring.keys_for("acme", people)
    assert set(keys) == set(people)
    assert len(seen) <= few + 4  # SQLite: VALUES lists of 500 rows; no statement per person
    seen.clear()
    found = ring.keys_by_id([("acme", k.key_id) for k in keys.values()])
    assert len(found) == 2000 and len(seen) == 1  # one query for a whole batch of sealed events


def test_forget_destroys_the_persons_keys_at_once(ring: Keyring) -> None:
    keys = ring.keys_for("acme", ["linkedin.com/in/ada", "ada@example.com", "linkedin.com/in/bob"])
    pairs = [("acme", k.key_id) for k in keys.values()]
    assert ring.forget("acme", ["linkedin.com/in/ada", "ada@example.com", "unknown@example.com"]) == 2
    assert set(ring.keys_by_id(pairs)) == {("acme", keys["linkedin.com/in/bob"].key_id)}
    assert ring.forget("globex", ["linkedin.com/in/bob"]) == 0  # another tenant's erasure reaches nothing here
    fresh = ring.keys_for("acme", ["linkedin.com/in/ada"])["linkedin.com/in/ada"]
    assert fresh.key_id != keys["linkedin.com/in/ada"].key_id  # new events about them: a new key


def test_forget_tenant_destroys_every_key_and_the_secret(ring: Keyring) -> None:
    acme = ring.keys_for("acme", ["a", "b", TENANT_KEY])
    globex = ring.keys_for("globex", ["a"])
    assert ring.forget_tenant("acme") == 3
    assert ring.keys_by_id([("acme", k.key_id) for k in acme.values()]) == {}
    assert ring.keys_by_id([("globex", globex["a"].key_id)])  # another tenant keeps its keys
    with ring.sessions() as session:
        assert session.get(TenantSecret, "acme") is None
    assert ring.keys_by_id([("globex", acme["a"].key_id)]) == {}  # a key id under the wrong tenant: nothing


def test_a_process_cache_serves_keys_until_another_process_destroys_them(tmp_path: Path) -> None:
    """Two processes over one keyring (two `Keyring`s, each with its own cache): a batch after the
    first reads only the generation; once one process destroys a key, the other's next batch no
    longer finds it, for opening (`keys_by_id`) as for sealing (`keys_for`)."""
    url = f"sqlite:///{tmp_path / 'keyring.db'}"
    gateway, worker = Keyring(url), Keyring(url)
    gateway.upgrade()
    try:
        keys = gateway.keys_for("acme", ["linkedin.com/in/ada", "linkedin.com/in/bob"])
        ada, bob = ("acme", keys["linkedin.com/in/ada"].key_id), ("acme", keys["linkedin.com/in/bob"].key_id)
        assert set(worker.keys_by_id([ada, bob])) == {ada, bob}
        assert worker.keys_for("acme", ["linkedin.com/in/ada"])["linkedin.com/in/ada"].key_id == ada[1]
        seen = statements(worker)
        assert set(worker.keys_by_id([ada, bob])) == {ada, bob}
        assert worker.keys_for("acme", ["linkedin.com/in/ada"])["linkedin.com/in/ada"].key_id == ada[1]
        assert len(seen) == 2 and all("keyring_generation" in s for s in seen)  # the generation, once a batch
        assert gateway.forget("acme", ["linkedin.com/in/ada"]) == 1
        assert set(worker.keys_by_id([ada, bob])) == {bob}  # the next batch: gone
        assert worker.keys_for("acme", ["linkedin.com/in/ada"])["linkedin.com/in/ada"].key_id != ada[1]
        assert gateway.forget_tenant("acme") == 2
        assert worker.keys_by_id([bob]) == {}
    finally:
        gateway.close()
        worker.close()
