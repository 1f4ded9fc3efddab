"""The relay's read of the rows to publish (`rapportkit.outbox.due`) stays an index read of those rows
however many published rows the outbox keeps, in the generic plan PostgreSQL settles on for a
prepared statement too (psycopg prepares a statement run five times)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, text

from rapportkit import outbox
from rapportkit.db import Base, make_engine, make_session_factory, unit_of_work
from rapportkit.outbox import OutboxRow
from tests.integration.helpers import generic_plan, nodes


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    Base.metadata.drop_all(engine, tables=[OutboxRow.__table__])  # type: ignore[list-item]
    Base.metadata.create_all(engine, tables=[OutboxRow.__table__])  # type: ignore[list-item]
    now = datetime.now(UTC)
    rows = [{"tenant_id": "t", "event_id": f"e{n}", "event_type": "x", "topic": "x", "key": "t:r",
             "payload": b"{}", "state": outbox.PUBLISHED if n < 30_000 else outbox.PENDING,
             "lane": outbox.LIVE if n % 2 else outbox.BULK, "attempts": 0, "created_at": now} for n in range(30_010)]
    with engine.begin() as conn:
        conn.execute(insert(OutboxRow), rows)
        conn.execute(text("ANALYZE outbox"))
    yield engine
    Base.metadata.drop_all(engine, tables=[OutboxRow.__table__])  # type: ignore[list-item]
    engine.dispose()


@pytest.mark.parametrize("lane", outbox.LANES)
def test_the_generic_plan_reads_only_the_unpublished_rows_through_the_partial_index(engine: Engine, lane: str) -> None:
    plan = generic_plan(engine, outbox.due_query("postgresql", 500, lane=lane))
    scans = [n for n in nodes(plan) if "Scan" in n["Node Type"]]
    assert [(n["Node Type"], n.get("Index Name")) for n in scans] == [("Index Scan", "ix_outbox_due")]


def test_due_returns_the_lane_s_unpublished_rows_in_order(engine: Engine) -> None:
    with unit_of_work(make_session_factory(engine)) as session:
        live = outbox.due(session, 500, lane=outbox.LIVE)
        bulk = outbox.due(session, 3, lane=outbox.BULK)
        assert outbox.backlog(session) == 10
    assert [r.event_id for r in live] == [f"e{n}" for n in range(30_001, 30_010, 2)]
    assert [r.event_id for r in bulk] == ["e30000", "e30002", "e30004"]
