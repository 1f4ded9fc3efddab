"""Database engine, sessions and the unit of work: the only place that commits.

Service functions take a `Session` and never commit; `unit_of_work` commits once at the end of a
request or an event handler, so a state change and its outbox row are committed together.
`read_session` is the other way in: a read-only snapshot, so a read of several statements sees one
committed state even while a consumer commits between them.
SQLite (the embedded default) gets WAL, a busy timeout and real SAVEPOINT support. Its writers
(`unit_of_work`) begin with BEGIN IMMEDIATE, taking the database's one write lock up front, so two
writers queue at BEGIN instead of failing when a read lock cannot be upgraded; its readers
(`read_session`) begin a DEFERRED transaction (plain BEGIN) that reads the WAL snapshot of its first
statement and never takes the write lock, so a read never waits for a writer.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast, overload

import psycopg
from psycopg.types.array import ListBinaryDumper
from sqlalchemy import Engine, Table, any_, bindparam, create_engine, event, func, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

SessionFactory = sessionmaker[Session]
log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Declarative base of the platform tables (outbox, inbox). Each service declares its own base
    for its own tables, so two services may use the same table name in their own databases."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# The execution option `read_session` sets on its connection before the transaction begins: the
# SQLite `begin` listener reads it from the connection to begin a reader's transaction, not a writer's.
READ_ONLY_OPTION = "rapport_read_only"


def make_engine(url: str, *, pool_size: int = 10, busy_timeout: float = 30.0) -> Engine:
    """The engine of one database. `busy_timeout` (SQLite): how long a writer waits for the write
    lock before failing with "database is locked"."""
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN (SAVEPOINTs work)
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            _use_wal(cur, busy_timeout)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # query_only is a property of the pooled DBAPI connection: set on every begin, so a
            # writer never inherits it from the read that used the connection before
            if conn.get_execution_options().get(READ_ONLY_OPTION):
                conn.exec_driver_sql("PRAGMA query_only=ON")  # a write through a read session fails
                conn.exec_driver_sql("BEGIN")  # DEFERRED: the WAL snapshot, no write lock
            else:
                conn.exec_driver_sql("PRAGMA query_only=OFF")
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
    _ping_after_idle(engine)

    @event.listens_for(engine, "connect")
    def _binary_lists(dbapi_conn: Any, _record: Any) -> None:
        # list parameters (insert_many's unnest arrays, among's `= ANY`) travel in binary: psycopg's
        # default for a list is its text dumper, which quotes and escapes every element in Python
        # (500 outbox rows through insert_many: 43 ms in text, 22 ms in binary)
        dbapi_conn.adapters.register_dumper(list, ListBinaryDumper)

    return engine


def _use_wal(cur: Any, busy_timeout: float) -> None:
    """Put the database in WAL mode (a property of the file: the first connection sets it, later
    ones find it set). Switching a new file needs its exclusive lock, and when two processes' first
    connections switch it at once (a service's API and worker at start), SQLite refuses one of them
    at once with "database is locked" instead of calling the busy handler, since each holds the
    shared lock the other waits for. The refused one retries until `busy_timeout`."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


PING_AFTER_IDLE_SECONDS = 2.0


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled PostgreSQL connection before use only when it sat in the pool longer than
    PING_AFTER_IDLE_SECONDS: one that went back less than that ago is alive but for a server restart
    in between. SQLAlchemy's `pool_pre_ping` pinged at every checkout, a round trip for each
    transaction (3–5 % of a busy process's samples). A connection found dead is replaced (the pool
    retries the checkout). If the server restarts under a connection in use, that transaction fails
    with a disconnect error, which invalidates the whole pool, and the caller's retry gets new ones."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_SECONDS:
            return  # just connected, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection is gone: {exc!r}") from exc


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: SessionFactory) -> Iterator[Session]:
    """Open a session, yield it, commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def one_statement(factory: SessionFactory) -> Iterator[Session]:
    """A session for one writing statement that is a transaction on its own. PostgreSQL: in
    autocommit, one round trip, where `unit_of_work` takes three (psycopg sends BEGIN and COMMIT as
    round trips of their own); a second statement through it would commit apart, so there is none.
    SQLite: `unit_of_work` (a statement there costs no round trip)."""
    if factory.kw["bind"].dialect.name != "postgresql":
        with unit_of_work(factory) as session:
            yield session
        return
    session = factory()
    try:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session
    finally:
        session.close()


@contextmanager
def read_session(factory: SessionFactory) -> Iterator[Session]:
    """A session for reads: one read-only transaction whose statements all see the same snapshot
    (under PostgreSQL's default READ COMMITTED, a consumer's commit between two statements of one
    read could pair rows from before it with rows from after it). A write through it fails; writes
    use `unit_of_work`.

    PostgreSQL: REPEATABLE READ, READ ONLY. SQLite: a DEFERRED transaction (see `make_engine`),
    which in WAL mode reads the snapshot of its first statement until it ends and never takes the
    write lock, so it neither waits for a writer nor makes one wait."""
    session = factory()
    try:
        options: dict[str, Any] = {READ_ONLY_OPTION: True}
        if session.get_bind().dialect.name == "postgresql":
            options |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        # the options are on the connection before its transaction begins (the `begin` event sees them)
        session.connection(execution_options=options)
        yield session
    finally:
        session.close()


Model = type[DeclarativeBase]


def dialect_insert(session: Session) -> Callable[[Table], Any]:
    """The INSERT construct with ON CONFLICT support for the session's database."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def table_of(model: Model) -> Table:
    return cast(Table, model.__table__)


def insert_ignore(session: Session, model: Model, values: dict[str, Any], *, keys: list[str]) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING; True when the row was inserted."""
    table = table_of(model)
    stmt = (dialect_insert(session)(table).values(**values).on_conflict_do_nothing(index_elements=keys)
            .returning(table.c[keys[0]]))  # rowcount is not reliable here on every driver
    return session.execute(stmt).first() is not None


_MANY: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Any] = {}


def _column_array(name: str, column: Any) -> Any:
    """The parameter `name` carrying one column's values as an array of the column's type, each value
    bound as the column binds it: a JSON column's lists and objects serialised, not taken for more
    dimensions of the array."""
    return sql_cast(bindparam(name, type_=ARRAY(column.type, dimensions=1)), ARRAY(column.type))


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]], *, conflict: list[str] | None,
                returning: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """INSERT … ON CONFLICT (`conflict`) DO NOTHING of many rows (all with the same keys; no ON
    CONFLICT clause when `conflict` is None); the `returning` columns of the rows inserted.

    PostgreSQL: one statement per 5000 rows whose text never changes, the rows travelling as one
    array per column through `unnest`, so SQLAlchemy compiles it and psycopg parses it once per
    process (a VALUES list of 500 rows was compiled and parsed anew for every batch: a quarter of a
    service's ingest time); JSON columns travel too. SQLite: VALUES lists of 500 rows."""
    if not rows:
        return []
    names = list(rows[0])
    found: list[tuple[Any, ...]] = []
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), 500):
            stmt = sqlite_insert(table).values(list(rows[start:start + 500]))
            if conflict is not None:
                stmt = stmt.on_conflict_do_nothing(index_elements=conflict)
            if returning:
                found.extend(tuple(r) for r in session.execute(stmt.returning(*(table.c[c] for c in returning))))
            else:
                session.execute(stmt)
        return found
    key = (table.name, tuple(names), tuple(conflict or ("-",)), tuple(returning))
    many = _MANY.get(key)
    if many is None:
        arrays = (func.unnest(*(_column_array(f"many_{n}", table.c[n]) for n in names))
                  .table_valued(*names).render_derived(name="many"))
        built = pg_insert(table).from_select(names, select(*(arrays.c[n] for n in names)))
        if conflict is not None:
            built = built.on_conflict_do_nothing(index_elements=conflict)
        many = _MANY[key] = built.returning(*(table.c[c] for c in returning)) if returning else built
    for start in range(0, len(rows), 5000):
        chunk = rows[start:start + 5000]
        result = session.execute(many, {f"many_{n}": [r[n] for r in chunk] for n in names})
        if returning:
            found.extend(tuple(r) for r in result)
    return found


def chunks(values: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """The distinct `values`, sorted, in lists of at most `size` (one `among` / IN condition each)."""
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN (values)` as a condition whose SQL text does not depend on how many values there
    are on PostgreSQL (`= ANY(array)`: compiled and parsed once per process, where an IN list of 500
    is parsed anew each time); a plain IN list on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(sql_cast(bindparam(None, list(values)), ARRAY(column.type)))


UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"})


@overload
def utc(value: datetime) -> datetime: ...
@overload
def utc(value: None) -> None: ...
def utc(value: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive, in UTC). One that
    is already in a UTC zone is returned as it is: PostgreSQL's come in the session's `Etc/UTC`
    zone, and converting each (a leaderboard reads a third of a million) cost a microsecond apiece."""
    if value is None or value.tzinfo is UTC or getattr(value.tzinfo, "key", None) in UTC_ZONES:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """Send the block's statements to PostgreSQL together, in psycopg's pipeline mode: one round trip
    when the block ends instead of one per statement. Only for statements whose results the block
    does not read (no RETURNING, no SELECT: SQLAlchemy sees no result until the block ends); an error
    of any of them is raised when the block ends, as SQLAlchemy's exception for it (the one a
    statement run alone would raise: callers' handling of transient errors stays the same). The
    session's pending ORM changes are flushed first. SQLite: the statements run as they come."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.flush()
    connection = session.connection()
    try:
        with cast(Any, connection.connection.driver_connection).pipeline():
            yield
    except psycopg.Error as exc:  # raised by the block's end, outside SQLAlchemy
        gone = connection.dialect.is_disconnect(cast(Any, exc), connection.connection.dbapi_connection, None)
        if gone:
            connection.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, psycopg.Error, connection_invalidated=gone,
                                  dialect=connection.dialect) from exc


def notify(session: Session, channel: str) -> None:
    """Wake the `Listener`s of `channel` when the session's transaction commits (PostgreSQL NOTIFY,
    once per session); nothing on SQLite, whose listeners poll."""
    if session.get_bind().dialect.name == "postgresql" and channel not in session.info.setdefault("notified", set()):
        session.info["notified"].add(channel)
        session.execute(text(f"NOTIFY {channel}"))


class Listener:
    """Waits for `notify(channel)` commits: a dedicated PostgreSQL connection LISTENing; on SQLite
    (or when the connection fails) a plain sleep, so the caller polls."""

    def __init__(self, engine: Engine, channel: str, *, poll_seconds: float = 0.05):
        self.poll_seconds = poll_seconds
        self._conn: Any = None
        if engine.dialect.name == "postgresql":
            import psycopg  # noqa: PLC0415 - the PostgreSQL driver, only where it is used

            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._conn = psycopg.connect(url, autocommit=True)
            self._conn.execute(f"LISTEN {channel}")

    def wait(self, timeout: float) -> None:
        """Return at the next notification, or after `timeout` (SQLite: after the poll interval)."""
        if self._conn is None:
            time.sleep(min(timeout, self.poll_seconds))
            return
        try:
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                pass
            for _ in self._conn.notifies(timeout=0, stop_after=1000):  # what else arrived: one pass serves all
                pass
        except Exception:  # noqa: BLE001 - the server went away: poll from now on
            log.warning("lost the LISTEN connection; polling instead")
            self.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("select 1"))
