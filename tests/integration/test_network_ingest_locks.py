"""Network ingest on PostgreSQL (services/network/ingest.py): the connection and meeting rows of a
request are locked in a few statements whatever its size, and two requests over the same new people
in opposite orders both apply, with nothing lost and no deadlock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from rapportkit.db import SessionFactory, make_engine, make_session_factory, unit_of_work
from rapportkit.envelope import Event, new_event, validate
from rapportkit.ingest import apply_events
from rapportkit.migrate import upgrade
from services.network.ingest import INGEST_HANDLERS
from services.network.models import ConnectionRow, MeetingRow
from stack import infra
from tests.conftest import DB_PREFIX
from tests.integration.helpers import together

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "network" / "migrations"
TENANT = "t-locks"


@pytest.fixture
def engine(postgres: None) -> Iterator[Engine]:
    """The network schema (its migrations) in a database of its own: the session's `pg_url` is shared
    by tests that create and drop the platform's inbox and outbox tables."""
    name = f"{DB_PREFIX}_locks_{uuid.uuid4().hex[:8]}"
    url = infra.fresh_database(name)
    upgrade(script_location=MIGRATIONS, url=url, service="network")
    engine = make_engine(url)
    yield engine
    engine.dispose()
    infra.drop_database(name)


def connection(kind: str, n: int, rep: str = "rep-1", minute: int = 0) -> Event:
    # a profile URL without a name teaches no alias: no alias row serialises two requests first
    person = {"profile_url": f"https://www.linkedin.com/in/person-{n}/"}
    event = new_event(type=f"rapport.network.connection.{kind}", tenant_id=TENANT, source="tests",
                      data={"rep_id": rep, "person": person, "direction": "outbound"})
    return validate({**event, "time": f"2026-11-0{1 + minute // 60}T09:{minute % 60:02d}:00Z"})


def meeting(kind: str, n: int) -> Event:
    event = new_event(type=f"rapport.network.meeting.{kind}", tenant_id=TENANT, source="tests",
                      data={"rep_id": "rep-1", "meeting_id": f"m-{n}", "kind": "video", "account_id": "acc-1"})
    return validate({**event, "time": f"2026-11-0{2 if kind == 'held' else 1}T10:00:00Z"})


def statements(engine: Engine, factory: SessionFactory, events: list[Event]) -> int:
    """How many statements applying `events` in one request sends."""
    sent = [0]

    def count(*_: Any) -> None:
        sent[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        with unit_of_work(factory) as session:
            assert apply_events(session, events, INGEST_HANDLERS) == (len(events), 0)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sent[0]


def test_a_request_locks_its_rows_in_a_few_statements_whatever_its_size(engine: Engine) -> None:
    factory = make_session_factory(engine)
    small = statements(engine, factory, [connection("requested", n) for n in range(5)]
                       + [meeting("booked", n) for n in range(2)])
    large = statements(engine, factory, [connection("requested", n) for n in range(5, 305)]
                       + [meeting("booked", n) for n in range(2, 62)])
    assert large == small, (small, large)  # not three round trips per event, as it was
    again = statements(engine, factory, [connection("accepted", n, minute=1) for n in range(305)]
                       + [meeting("held", n) for n in range(62)])  # every row there already: fewer
    assert again <= small
    with unit_of_work(factory) as session:
        rows = session.scalars(select(ConnectionRow).where(ConnectionRow.tenant_id == TENANT)).all()
        assert len(rows) == 305 and {r.status for r in rows} == {"accepted"}
        assert all(r.first_requested_at is not None and r.accepted_at is not None for r in rows)
        meetings = session.scalars(select(MeetingRow).where(MeetingRow.tenant_id == TENANT)).all()
        assert len(meetings) == 62 and all(m.booked_at and m.held_at for m in meetings)


def test_two_requests_over_the_same_new_people_in_opposite_orders_both_apply(engine: Engine) -> None:
    factory = make_session_factory(engine)
    people = range(200)

    def apply(events: list[Event]) -> tuple[int, int]:
        with unit_of_work(factory) as session:
            return apply_events(session, events, INGEST_HANDLERS)

    for round_ in range(3):  # three rounds: a deadlock would show in one of them
        rep = f"rep-{round_}"
        results = together(partial(apply, [connection("requested", n, rep) for n in people]),
                           partial(apply, [connection("accepted", n, rep, minute=1) for n in reversed(people)]))
        assert results == [(200, 0), (200, 0)], results  # neither failed (a deadlock raises)
        with unit_of_work(factory) as session:
            rows = session.scalars(select(ConnectionRow).where(ConnectionRow.tenant_id == TENANT,
                                                               ConnectionRow.rep_id == rep)).all()
        assert len(rows) == 200
        assert {r.status for r in rows} == {"accepted"}  # both transitions folded, whichever came first
        assert all(r.first_requested_at is not None for r in rows)
