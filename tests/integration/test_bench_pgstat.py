"""`make bench`'s view into PostgreSQL (bench/pgstat.py): the local cluster loads pg_stat_statements
(deploy/local/postgres.sh), and a pass's statements are counted per database from zero."""

from __future__ import annotations

import psycopg
from sqlalchemy.engine import make_url

from bench.common import psycopg_url
from bench.pgstat import Statements, tracking


def test_a_pass_counts_its_statements_by_database_from_zero(pg_url: str) -> None:
    database = str(make_url(pg_url).database)
    with psycopg.connect(psycopg_url(pg_url), autocommit=True) as conn:
        conn.execute("SELECT 1 AS pgstat_before")  # before the pass: not counted
        statements = Statements(database[:-8])
        assert statements.start(), statements.problem
        assert tracking(conn, "top")  # this connection's server process has read the reload too
        for _ in range(3):
            conn.execute("SELECT 2 AS pgstat_probe")
        found = statements.stop()
    probe = [s for s in found if "pgstat_probe" in s.text]
    assert [(s.database, s.calls, s.rows) for s in probe] == [(database[-8:], 3, 3)]
    assert not [s for s in found if "pgstat_before" in s.text]
