"""`rapportkit.db.insert_many`: many rows in one statement (PostgreSQL: an array per column through
`unnest`), every column type the services store arriving as it was given — JSON lists, objects and
strings included, which the arrays once took for dimensions of their own — and the rows a conflict
skipped left out of what it returns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Column, DateTime, Integer, LargeBinary, MetaData, String, Table, select

from rapportkit.db import SessionFactory, insert_many, make_engine, make_session_factory, unit_of_work

TABLE = Table("many_rows", MetaData(), Column("tenant_id", String(64), primary_key=True),
              Column("row_id", String(64), primary_key=True), Column("n", Integer, nullable=True),
              Column("at", DateTime(timezone=True)), Column("payload", LargeBinary),
              Column("doc", JSON, nullable=True))
AT = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def factory(request: pytest.FixtureRequest, pg_url: str, tmp_path: object) -> Iterator[SessionFactory]:
    url = pg_url if request.param == "postgresql" else f"sqlite:///{tmp_path}/many.db"
    engine = make_engine(url)
    TABLE.drop(engine, checkfirst=True)
    TABLE.create(engine)
    yield make_session_factory(engine)
    engine.dispose()


def row(row_id: str, doc: Any, n: int | None = 1) -> dict[str, Any]:
    return {"tenant_id": "t1", "row_id": row_id, "n": n, "at": AT, "payload": row_id.encode() + b"\x00\xff",
            "doc": doc}


DOCS = {"rules": ["pricing", "urgency"], "empty": [], "object": {"evidence": {"day": "2026-11-03"}, "count": 2},
        "text": "a plain string", "nested": [["a", "b"], []], "none": None}


def test_every_column_arrives_as_given_json_included(factory: SessionFactory) -> None:
    with unit_of_work(factory) as session:
        insert_many(session, TABLE, [row(name, doc, n=None if name == "none" else 1) for name, doc in DOCS.items()],
                    conflict=["tenant_id", "row_id"])
    with unit_of_work(factory) as session:
        stored = {r.row_id: r for r in session.execute(select(TABLE))}
    assert {name: stored[name].doc for name in DOCS} == DOCS
    assert stored["rules"].payload == b"rules\x00\xff"
    assert stored["none"].n is None and stored["rules"].n == 1
    assert stored["rules"].at.replace(tzinfo=UTC) == AT


def test_returns_only_the_rows_a_conflict_did_not_skip(factory: SessionFactory) -> None:
    with unit_of_work(factory) as session:
        insert_many(session, TABLE, [row("first", ["kept"])], conflict=["tenant_id", "row_id"])
    with unit_of_work(factory) as session:
        inserted = insert_many(session, TABLE, [row("first", ["replaced?"]), row("second", {"k": [1, 2]})],
                               conflict=["tenant_id", "row_id"], returning=["row_id", "doc"])
    assert inserted == [("second", {"k": [1, 2]})]
    with unit_of_work(factory) as session:
        assert session.execute(select(TABLE.c.doc).where(TABLE.c.row_id == "first")).scalar_one() == ["kept"]
