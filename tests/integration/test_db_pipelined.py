"""`rapportkit.db.pipelined`: writes sent to PostgreSQL together (psycopg's pipeline mode), applied
and committed as if sent one by one; a failing one fails the transaction as a whole."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from rapportkit.db import SessionFactory, make_engine, make_session_factory, pipelined, unit_of_work


@pytest.fixture(params=["postgresql", "sqlite"])
def factory(request: pytest.FixtureRequest, pg_url: str, tmp_path: object) -> Iterator[SessionFactory]:
    url = pg_url if request.param == "postgresql" else f"sqlite:///{tmp_path}/pipelined.db"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS piped"))
        conn.execute(text("CREATE TABLE piped (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    yield make_session_factory(engine)
    engine.dispose()


def rows(factory: SessionFactory) -> list[tuple[int, str]]:
    with unit_of_work(factory) as session:
        return [(int(k), str(v)) for k, v in session.execute(text("SELECT k, v FROM piped ORDER BY k"))]


def test_the_block_s_writes_are_applied_in_order_and_committed(factory: SessionFactory) -> None:
    with unit_of_work(factory) as session:
        with pipelined(session):
            driver = session.connection().connection.driver_connection
            if isinstance(driver, psycopg.Connection):  # PostgreSQL: really in pipeline mode
                assert driver.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF
            session.execute(text("INSERT INTO piped (k, v) VALUES (:k, 'new')"), [{"k": k} for k in range(5)])
            session.execute(text("UPDATE piped SET v = 'changed' WHERE k = 1"))
            session.execute(text("DELETE FROM piped WHERE k = 3"))
        # after the block the session reads as usual, its writes included
        assert session.execute(text("SELECT count(*) FROM piped")).scalar_one() == 4
    assert rows(factory) == [(0, "new"), (1, "changed"), (2, "new"), (4, "new")]


def test_a_failing_write_fails_the_whole_transaction_with_sqlalchemy_s_exception(factory: SessionFactory) -> None:
    """Raised when the block ends, outside SQLAlchemy, yet as the exception the statement alone would
    raise (the consumer retries OperationalErrors and dead-letters the rest by these classes)."""
    with unit_of_work(factory) as session:
        session.execute(text("INSERT INTO piped (k, v) VALUES (1, 'first')"))
    with pytest.raises(IntegrityError), unit_of_work(factory) as session:
        with pipelined(session):
            session.execute(text("INSERT INTO piped (k, v) VALUES (2, 'kept?')"))
            session.execute(text("INSERT INTO piped (k, v) VALUES (1, 'duplicate')"))
            session.execute(text("INSERT INTO piped (k, v) VALUES (3, 'after')"))
    assert rows(factory) == [(1, "first")]  # nothing of the failed transaction stayed
