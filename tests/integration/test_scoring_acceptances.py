"""The scorer's read of its reps' accepted connections of all time (`queries.first_acceptances`, at
every pass) reads those facts only, through the partial index `ix_fact_accepted`, however many
other facts the reps have had — in the generic plan of a prepared statement too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text

from rapportkit.db import make_engine, make_session_factory, read_session
from rapportkit.migrate import upgrade
from services.scoring import facts as F
from services.scoring import queries
from services.scoring.models import FactRow
from stack import infra
from tests.conftest import DB_PREFIX
from tests.integration.helpers import generic_plan, nodes

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "scoring" / "migrations"
START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(postgres: None) -> Iterator[Engine]:
    """A migrated scoring database: two reps with a year of messages (30,000 facts) and a few
    accepted connections each, one person accepted twice."""
    name = f"{DB_PREFIX}_accepted_{uuid.uuid4().hex[:8]}"
    url = infra.fresh_database(name)
    upgrade(script_location=MIGRATIONS, url=url, service="scoring")
    engine = make_engine(url)
    rows = [{"tenant_id": "t", "rep_id": f"rep-{n % 2}", "kind": F.MSG_OUT, "at": START + timedelta(minutes=17 * n),
             "person": f"url:p{n % 300}", "flag": False, "event_id": f"m{n}"} for n in range(30_000)]
    rows += [{"tenant_id": "t", "rep_id": rep, "kind": F.CONN_ACCEPTED, "at": START + timedelta(days=day),
              "person": person, "flag": False, "event_id": f"a{rep}{day}"}
             for rep, person, day in [("rep-0", "url:ada", 40), ("rep-0", "url:ada", 10), ("rep-0", "url:bo", 20),
                                      ("rep-1", "url:ada", 30), ("rep-2", "url:cy", 5)]]
    with engine.begin() as conn:
        conn.execute(insert(FactRow), rows)
        conn.execute(text("ANALYZE fact"))
    yield engine
    engine.dispose()
    infra.drop_database(name)


def test_the_first_acceptance_of_each_rep_and_person(engine: Engine) -> None:
    with read_session(make_session_factory(engine)) as session:
        found = {(rep, person): at for rep, person, at in session.execute(
            queries.first_acceptances(session, "t", ["rep-0", "rep-1"]))}
    assert found == {("rep-0", "url:ada"): START + timedelta(days=10), ("rep-0", "url:bo"): START + timedelta(days=20),
                     ("rep-1", "url:ada"): START + timedelta(days=30)}


def test_the_generic_plan_reads_the_accepted_connections_through_the_partial_index(engine: Engine) -> None:
    with read_session(make_session_factory(engine)) as session:
        statement = queries.first_acceptances(session, "t", ["rep-0", "rep-1"])
    scans = [n for n in nodes(generic_plan(engine, statement)) if "Scan" in n["Node Type"]]
    assert [n.get("Index Name") for n in scans] == ["ix_fact_accepted"]
