"""Transactional outbox: events written in the same transaction as the state change.

Rows move `pending` → `published`, or to `failed` with `attempts`, `last_error` and a
`next_attempt_at` backoff after a publish error; the relay retries failed rows until they go
out. The row for an event id is unique per tenant, which also makes ingestion idempotent:
`add` returns False for an event id the service has already accepted.

Each row has a lane: `live` for what users and their systems post one request at a time, `bulk`
for imports. The relay publishes live rows first and paces bulk ones (rapportkit.relay), so a
live event never queues behind an import (docs/architecture.md, "Lanes").

The payload is the event as it travels, sealed (rapportkit.sealing): its personal fields are
encrypted under the key of its person, so neither this table nor the topics keep them in clear,
and destroying the key (erasure) shreds every copy (docs/privacy.md, "The event log").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from rapportkit import jsonutil, keyring
from rapportkit.db import Base, among, insert_ignore, insert_many, notify, table_of
from rapportkit.envelope import Event, event_type, partition_key
from rapportkit.sealing import seal_events

CHANNEL = "rapport_outbox"  # notified when rows are staged (rapportkit.db.notify): the relay wakes at once
PENDING, PUBLISHED, FAILED = "pending", "published", "failed"
LIVE, BULK = "live", "bulk"
LANES = (LIVE, BULK)
# the rows still to publish, written out (not bound): the predicate of the partial index `ix_outbox_due`,
# which a prepared statement's generic plan uses only when its own condition is this very text
UNPUBLISHED = f"state IN ('{PENDING}', '{FAILED}')"


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("tenant_id", "event_id", name="uq_outbox_event"),
                      # the relay's index: the unpublished rows of a lane in order, and only them (the
                      # published rows, nearly all of a table kept for good, are not in it)
                      Index("ix_outbox_due", "lane", "seq", postgresql_where=text(UNPUBLISHED),
                            sqlite_where=text(UNPUBLISHED)))

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(300))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    lane: Mapped[str] = mapped_column(String(8), default=LIVE, server_default=LIVE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def _values(events: list[Event], lane: str) -> list[dict[str, object]]:
    """The rows of `events`: each payload the sealed event (its keys fetched once for the batch)."""
    now = utcnow()
    return [{
        "tenant_id": event["tenantid"], "event_id": event["id"], "event_type": event["type"],
        "topic": event_type(event).topic, "key": partition_key(event), "payload": jsonutil.dumps(sealed),
        "state": PENDING, "lane": lane, "attempts": 0, "created_at": now,
    } for event, sealed in zip(events, seal_events(events, keyring.default()), strict=True)]


def add(session: Session, event: Event, *, lane: str = LIVE) -> bool:
    """Stage `event` for publication in the caller's transaction; False if its id is already here."""
    notify(session, CHANNEL)
    return insert_ignore(session, OutboxRow, _values([event], lane)[0], keys=["tenant_id", "event_id"])


def add_many(session: Session, events: list[Event], *, lane: str = LIVE) -> None:
    """Stage many events at once, in order; events already here are skipped. Reads nothing back, so
    it may run in a `rapportkit.db.pipelined` block."""
    if not events:
        return
    notify(session, CHANNEL)
    insert_many(session, table_of(OutboxRow), _values(events, lane), conflict=["tenant_id", "event_id"])


def known_ids(session: Session, tenant_id: str, event_ids: list[str]) -> set[str]:
    """Which of these event ids this service has already accepted for the tenant."""
    found: set[str] = set()
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start:start + 500]
        found.update(session.scalars(select(OutboxRow.event_id).where(
            OutboxRow.tenant_id == tenant_id, among(session, OutboxRow.event_id, chunk))))
    return found


class Due(NamedTuple):
    """What the relay needs of a row to publish it (plain columns: no ORM object per event)."""

    seq: int
    event_id: str
    topic: str
    key: str
    payload: bytes
    lane: str


def due(session: Session, limit: int, *, lane: str) -> list[Due]:
    """The lane's rows ready to publish, oldest first; locked (SKIP LOCKED) so relays can run side by side.
    Read through `ix_outbox_due` whatever the table's size: with the states bound as parameters, the
    generic plan PostgreSQL settles on for the relay's prepared statement walked the whole table in
    `seq` order (every published row, 19–27 ms at 46k rows, and growing with the table)."""
    return [Due(*row) for row in session.execute(due_query(session.get_bind().dialect.name, limit, lane=lane))]


def due_query(dialect: str, limit: int, *, lane: str) -> Select[int, str, str, str, bytes, str]:
    """The statement `due` runs (PostgreSQL: with FOR UPDATE SKIP LOCKED)."""
    stmt = (select(OutboxRow.seq, OutboxRow.event_id, OutboxRow.topic, OutboxRow.key, OutboxRow.payload,
                   OutboxRow.lane)
            .where(text(UNPUBLISHED), OutboxRow.lane == lane)
            .where((OutboxRow.next_attempt_at.is_(None)) | (OutboxRow.next_attempt_at <= utcnow()))
            .order_by(OutboxRow.seq).limit(limit))
    return stmt.with_for_update(skip_locked=True) if dialect == "postgresql" else stmt


def mark_published(session: Session, seqs: list[int]) -> None:
    if seqs:
        session.execute(update(OutboxRow).where(among(session, OutboxRow.seq, seqs))
                        .values(state=PUBLISHED, published_at=utcnow(), last_error=None)
                        .execution_options(synchronize_session=False))  # no matching in Python per row


def mark_failed(session: Session, seq: int, error: str) -> None:
    row = session.get_one(OutboxRow, seq)
    row.attempts += 1
    row.state = FAILED
    row.last_error = error[:2000]
    row.next_attempt_at = utcnow() + timedelta(seconds=min(60.0, 0.5 * 2 ** min(row.attempts, 7)))


def backlog(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboxRow).where(text(UNPUBLISHED))) or 0)
