"""The keyring: the platform's key vault for crypto-shredding the event log (docs/privacy.md).

One random AES-256-GCM key per (tenant, person) and one per tenant for personal text that names
no person, in a database of its own (`KEYRING_DATABASE_URL`; default SQLite
`<RAPPORT_DATA_DIR>/keyring.db`), Alembic-migrated like the services (`keyring_migrations/`).

- Key ids are random: nothing about a person can be learnt or confirmed from one. A key is found
  by its `lookup`, the HMAC-SHA256 of the person key under a random secret of the tenant's, held
  here too; without the keyring a lookup confirms nobody either.
- A person seen with several identities (profile URL and e-mail) has a key per identity and the
  identities are linked (`keyring_link`, HMAC lookups too): an erasure request naming any one of
  them destroys them all.
- `keys_for` gets or creates the keys of many persons of one tenant in a fixed number of
  statements whatever their count (an import stages 50k events); `keys_by_id` fetches the keys of a
  batch of sealed events in one query.
- The key cache: each `Keyring` keeps the keys it has read, valid for one *generation* of the
  keyring (`keyring_generation`, one row), which `forget` and `forget_tenant` bump in the
  transaction that destroys keys. Every call (a batch to seal or open) first reads the generation,
  one primary-key read, and uses the cache only when it is the generation the cache was filled
  under; otherwise it starts a new cache. So once a destruction has committed, the next batch of
  every process reads the keys from the database again and cannot open what they sealed; a batch
  that read the generation before the commit may still finish with them, as it would have had it
  read the keys themselves then.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, UniqueConstraint, delete, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from rapportkit.db import (
    SessionFactory,
    among,
    insert_many,
    is_sqlite,
    make_engine,
    make_session_factory,
    read_session,
    table_of,
    unit_of_work,
)
from rapportkit.migrate import upgrade

MIGRATIONS = Path(__file__).parent / "keyring_migrations"
SERVICE = "keyring"  # its Alembic version table: alembic_version_keyring
# the lookup of the tenant key: no person key holds a NUL (docs/contracts.md), so none collides with it
TENANT_KEY = "\x00tenant"


class KeyringBase(DeclarativeBase):
    pass


class TenantSecret(KeyringBase):
    """The random secret the tenant's lookups are keyed by."""

    __tablename__ = "keyring_tenant"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)


class KeyRow(KeyringBase):
    __tablename__ = "keyring_key"
    __table_args__ = (UniqueConstraint("tenant_id", "lookup", name="uq_keyring_lookup"),)
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    lookup: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256(tenant secret, person key), hex
    key: Mapped[bytes] = mapped_column(LargeBinary)  # 32 random bytes: AES-256-GCM
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KeyLink(KeyringBase):
    """Two person keys seen on one person (a profile URL and an e-mail): erasing either reaches both."""

    __tablename__ = "keyring_link"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    other: Mapped[str] = mapped_column(String(64), primary_key=True)


class Generation(KeyringBase):
    """The keyring's generation: bumped by every transaction that destroys keys (the key caches' check)."""

    __tablename__ = "keyring_generation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the one row: 1
    generation: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Key:
    key_id: str
    secret: bytes = field(repr=False)


CACHE_LIMIT = 100_000  # keys (and known absences) a process keeps before it starts a new cache


@dataclass
class KeyCache:
    """What one process has read from the keyring, valid while the keyring's generation is
    `generation`. Never emptied in place: a new generation gets a new cache, so a batch still using
    the old one (another thread) cannot put keys read before a destruction into the new one."""

    generation: int
    by_id: dict[tuple[str, str], Key | None] = field(default_factory=dict)  # None: no such key (destroyed)
    by_lookup: dict[tuple[str, str], Key] = field(default_factory=dict)
    secrets: dict[str, bytes] = field(default_factory=dict)
    links: set[tuple[str, str, str]] = field(default_factory=set)

    def size(self) -> int:
        return len(self.by_id) + len(self.by_lookup)

    def add(self, tenant_id: str, lookup: str, key: Key) -> None:
        self.by_lookup[(tenant_id, lookup)] = key
        self.by_id[(tenant_id, key.key_id)] = key


def new_key_id() -> str:
    return "k" + secrets.token_hex(12)


def _lookup(secret: bytes, person_key: str) -> str:
    return hmac.new(secret, person_key.encode(), hashlib.sha256).hexdigest()


class Keyring:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url, pool_size=4)
        self.sessions: SessionFactory = make_session_factory(self.engine)
        # PostgreSQL: the batches' reads in autocommit, a round trip each; a read-only transaction added
        # a BEGIN and a ROLLBACK to every batch (an ingest request, a consumer's poll). Each statement
        # then reads the latest commit, so the keys read after the generation are at least as new as
        # it, which is all the cache needs (`_cache_at`). SQLite: a read transaction (`read_session`).
        self._autocommit: SessionFactory | None = None if is_sqlite(url) else make_session_factory(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"))
        self._cache = KeyCache(generation=-1)

    def upgrade(self) -> None:
        """Apply the keyring's migrations (every process may: PostgreSQL serialises them with an
        advisory lock, SQLite with a file lock beside the database)."""
        with _file_lock(self.url):
            upgrade(script_location=MIGRATIONS, url=self.url, service=SERVICE)

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        """A session for a batch's reads (see `__init__`)."""
        if self._autocommit is None:
            with read_session(self.sessions) as session:
                yield session
            return
        session = self._autocommit()
        try:
            yield session
        finally:
            session.close()

    def _cache_at(self, session: Session) -> KeyCache:
        """The cache valid for the keyring's generation as `session` reads it (one primary-key read);
        read before the keys, so nothing older than the generation is ever cached under it."""
        generation = session.scalar(select(Generation.generation).where(Generation.id == 1))
        cache = self._cache
        if generation is None or generation < cache.generation:  # no counter, or an older snapshot
            return KeyCache(generation=-1)  # used for this batch only
        if generation > cache.generation or cache.size() > CACHE_LIMIT:
            cache = self._cache = KeyCache(generation=generation)
        return cache

    def _new_secret(self, tenant_id: str) -> None:
        with unit_of_work(self.sessions) as session:
            insert_many(session, table_of(TenantSecret), [{"tenant_id": tenant_id, "secret": os.urandom(32)}],
                        conflict=["tenant_id"])

    def keys_for(self, tenant_id: str, person_keys: Iterable[str],
                 links: Iterable[tuple[str, str]] = ()) -> dict[str, Key]:
        """The key of each person key of the tenant (`TENANT_KEY` for the tenant key), created when
        missing, and `links` (pairs of person keys seen on one person) recorded: the generation, and
        only for what the cache lacks, the tenant's secret and a read-only select of the keys and
        links, then, only for what is missing, one insert and one select more; never a statement
        per person."""
        wanted = sorted(set(person_keys))
        if not wanted:
            return {}
        links = list(links)
        with self._reading() as session:  # the common case: every key and link exists already
            cache = self._cache_at(session)
            secret = cache.secrets.get(tenant_id)
            if secret is None:
                row = session.get(TenantSecret, tenant_id)
                if row is None:
                    secret = None
                else:
                    secret = cache.secrets[tenant_id] = row.secret
            if secret is not None:
                lookups = {_lookup(secret, p): p for p in wanted}
                found = {p: cache.by_lookup[(tenant_id, lookup)] for lookup, p in lookups.items()
                         if (tenant_id, lookup) in cache.by_lookup}
                pairs = {(_lookup(secret, a), _lookup(secret, b)) for a, b in links if a != b}
                links_wanted = {link for x, y in pairs for link in ((x, y), (y, x))
                                if (tenant_id, *link) not in cache.links}
                unread = [lookup for lookup, p in lookups.items() if p not in found]
                if unread:
                    found.update(self._read(session, tenant_id, lookups, unread))
                known_links = self._links(session, tenant_id, links_wanted)
        if secret is None:  # the tenant's first key
            self._new_secret(tenant_id)
            return self.keys_for(tenant_id, wanted, links)
        new_links = links_wanted - known_links
        missing = [lookup for lookup, person in lookups.items() if person not in found]
        if missing or new_links:
            now = datetime.now(UTC)
            with unit_of_work(self.sessions) as session:  # created once: a concurrent creator's key wins
                if missing:
                    insert_many(session, table_of(KeyRow), [
                        {"key_id": new_key_id(), "tenant_id": tenant_id, "lookup": lookup, "key": os.urandom(32),
                         "created_at": now} for lookup in missing], conflict=["tenant_id", "lookup"])
                    found.update(self._read(session, tenant_id, lookups, missing))
                if new_links:
                    insert_many(session, table_of(KeyLink), [{"tenant_id": tenant_id, "lookup": a, "other": b}
                                                             for a, b in sorted(new_links)],
                                conflict=["tenant_id", "lookup", "other"])
        by_person = {p: lookup for lookup, p in lookups.items()}
        for person, key in found.items():
            cache.add(tenant_id, by_person[person], key)
        cache.links.update((tenant_id, a, b) for a, b in links_wanted)
        return found

    @staticmethod
    def _read(session: Session, tenant_id: str, lookups: dict[str, str], wanted: list[str]) -> dict[str, Key]:
        rows = session.execute(select(KeyRow.lookup, KeyRow.key_id, KeyRow.key).where(
            KeyRow.tenant_id == tenant_id, among(session, KeyRow.lookup, wanted)))
        return {lookups[lookup]: Key(key_id, key) for lookup, key_id, key in rows}

    @staticmethod
    def _links(session: Session, tenant_id: str, links: set[tuple[str, str]]) -> set[tuple[str, str]]:
        if not links:
            return set()
        rows = session.execute(select(KeyLink.lookup, KeyLink.other).where(
            KeyLink.tenant_id == tenant_id, among(session, KeyLink.lookup, sorted({a for a, _ in links}))))
        return {(a, b) for a, b in rows}

    def keys_by_id(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Key]:
        """The keys of (tenant, key id) pairs that still exist: the generation, and for the pairs the
        cache lacks, one query; a forgotten key, or one of another tenant, is absent."""
        wanted = set(pairs)
        if not wanted:
            return {}
        with self._reading() as session:
            cache = self._cache_at(session)
            unread = [pair for pair in wanted if pair not in cache.by_id]
            if unread:
                rows = session.execute(select(KeyRow.tenant_id, KeyRow.key_id, KeyRow.key).where(
                    among(session, KeyRow.key_id, sorted({k for _, k in unread}))))
                found = {(t, k): Key(k, key) for t, k, key in rows}
                for pair in unread:
                    cache.by_id[pair] = found.get(pair)
        return {pair: key for pair in wanted if (key := cache.by_id.get(pair)) is not None}

    def forget(self, tenant_id: str, person_keys: Iterable[str]) -> int:
        """Erasure: destroy the keys of these person keys of the tenant, and of every person key
        linked to them (the same person seen with another identity); returns how many were."""
        wanted = sorted(set(person_keys))
        if not wanted:
            return 0
        with unit_of_work(self.sessions) as session:
            found = session.get(TenantSecret, tenant_id)
            if found is None:
                return 0
            lookups = {_lookup(found.secret, p) for p in wanted}
            fresh = set(lookups)
            while fresh:  # the linked identities, transitively
                linked = set(session.scalars(select(KeyLink.other).where(
                    KeyLink.tenant_id == tenant_id, among(session, KeyLink.lookup, sorted(fresh)))))
                fresh = linked - lookups
                lookups |= fresh
            session.execute(delete(KeyLink).where(KeyLink.tenant_id == tenant_id,
                                                  among(session, KeyLink.lookup, sorted(lookups))))
            result = session.execute(delete(KeyRow).where(KeyRow.tenant_id == tenant_id,
                                                          among(session, KeyRow.lookup, sorted(lookups))))
            _bump(session)
            return int(getattr(result, "rowcount", 0) or 0)

    def forget_tenant(self, tenant_id: str) -> int:
        """Tenant deletion: destroy every key of the tenant and its lookup secret; returns how many keys."""
        with unit_of_work(self.sessions) as session:
            result = session.execute(delete(KeyRow).where(KeyRow.tenant_id == tenant_id))
            session.execute(delete(KeyLink).where(KeyLink.tenant_id == tenant_id))
            session.execute(delete(TenantSecret).where(TenantSecret.tenant_id == tenant_id))
            _bump(session)
            return int(getattr(result, "rowcount", 0) or 0)

    def close(self) -> None:
        self.engine.dispose()


def _bump(session: Session) -> None:
    """A destruction's transaction: every process's key cache is stale from its commit on."""
    session.execute(update(Generation).where(Generation.id == 1).values(generation=Generation.generation + 1))


def keyring_url() -> str:
    """`KEYRING_DATABASE_URL`, else the SQLite file `keyring.db` in `RAPPORT_DATA_DIR` (default `var`)."""
    url = os.environ.get("KEYRING_DATABASE_URL", "")
    if url:
        return url
    data_dir = Path(os.environ.get("RAPPORT_DATA_DIR", "var"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data_dir / 'keyring.db').resolve()}"


_default_lock = threading.Lock()


@cache
def _default(url: str) -> Keyring:
    ring = Keyring(url)
    ring.upgrade()
    return ring


def default() -> Keyring:
    """The process's keyring (migrated at first use), at the URL the environment names."""
    with _default_lock:
        return _default(keyring_url())


@contextmanager
def _file_lock(url: str) -> Iterator[None]:
    if not is_sqlite(url) or ":memory:" in url or url.rstrip("/").endswith("sqlite:"):
        yield
        return
    path = Path(url.split(":///", 1)[1].split("?", 1)[0] + ".migrate-lock")
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
