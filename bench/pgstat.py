"""Where PostgreSQL's time goes: its statements during the profiled end-to-end pass, from
pg_stat_statements.

PostgreSQL spends about a sixth of the CPU an event costs end to end, and py-spy cannot see inside
it. deploy/local/postgres.sh loads pg_stat_statements when the server has it, tracking nothing; the
bench switches tracking on for the profiled pass only (the measured pass runs without it, like
without py-spy), then reads each statement's calls, rows and time, and switches it off again. The
costliest are printed; all of them are kept in var/bench/profiles/postgresql.json.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench.common import psycopg_url
from stack import infra

READ = """
SELECT d.datname, s.query, s.calls, s.rows, s.total_exec_time + s.total_plan_time
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname LIKE %s
ORDER BY s.total_exec_time + s.total_plan_time DESC
"""


@dataclass(frozen=True)
class Statement:
    database: str
    text: str
    calls: int
    rows: int
    ms: float  # planning and execution, wall time inside the server (lock waits included)


class Statements:
    """pg_stat_statements over one pass, for the databases whose names start with `prefix`."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.url = psycopg_url(infra.database_url("postgres"))
        self.problem = ""

    def start(self) -> bool:
        """Track and count from zero; False (and `problem` says why) when the server cannot."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            loaded = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
            if loaded is None or "pg_stat_statements" not in str(loaded[0]):
                self.problem = ("pg_stat_statements is not loaded (deploy/local/postgres.sh loads it when the "
                                "server has it, from the next start)")
                return False
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("ALTER SYSTEM SET pg_stat_statements.track = 'top'")
            conn.execute("SELECT pg_reload_conf()")
            if not tracking(conn, "top"):
                self.problem = "pg_stat_statements.track did not turn to 'top' within 5 s of the reload"
                return False
            conn.execute("SELECT pg_stat_statements_reset()")
        return True

    def stop(self) -> list[Statement]:
        """Stop tracking; the pass's statements, the costliest first."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            try:
                rows = conn.execute(READ, (f"{self.prefix}%",)).fetchall()
            finally:
                conn.execute("ALTER SYSTEM RESET pg_stat_statements.track")  # back to the cluster's `none`
                conn.execute("SELECT pg_reload_conf()")
        return [Statement(db.removeprefix(self.prefix), " ".join(query.split()), calls, n, total)
                for db, query, calls, n, total in rows]


def tracking(conn: psycopg.Connection[Any], what: str, seconds: float = 5.0) -> bool:
    """Whether `conn`'s server process tracks `what` within `seconds`: a reload reaches each server
    process as it next reads a command, so the setting is read until it has."""
    deadline = time.monotonic() + seconds
    while True:
        row = conn.execute("SHOW pg_stat_statements.track").fetchone()
        if row is not None and row[0] == what:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def short(text: str, width: int = 90) -> str:
    """A statement's text as a line of the report: the column lists folded, the rest cut to `width`."""
    folded = re.sub(r"^SELECT (.{40}).*? FROM ", r"SELECT \1… FROM ", text)
    folded = re.sub(r"^INSERT INTO (\S+) \(.*?\) ", r"INSERT INTO \1 (…) ", folded)
    return folded if len(folded) <= width else folded[:width - 1] + "…"


def table(statements: list[Statement], events: int, shown: int = 8) -> list[str]:
    """The costliest statements in µs per event of the pass, with their share of the server's time."""
    total = sum(s.ms for s in statements) or 1.0
    lines = [f"  {'µs/event':>8} {'share':>6} {'calls':>7} {'rows':>8}  database: statement"]
    lines += [f"  {s.ms * 1000 / events:8.1f} {s.ms * 100 / total:5.1f}% {s.calls:7,} {s.rows:8,}  "
              f"{s.database}: {short(s.text)}" for s in statements[:shown]]
    lines.append(f"  {total * 1000 / events:8.1f} in all (wall time inside the server, lock waits included), "
                 f"{sum(s.calls for s in statements):,} statements")
    return lines


def save(statements: list[Statement], events: int, path: Path) -> None:
    """Every statement of the pass, with its time per event, as JSON."""
    path.write_text(json.dumps([asdict(s) | {"us_per_event": round(s.ms * 1000 / events, 2)} for s in statements],
                               indent=1) + "\n")
