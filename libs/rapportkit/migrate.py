"""Alembic, run programmatically: each service keeps its own migrations and version table.

A service's `migrations/env.py` is `from rapportkit.migrate import run_env; run_env()`. The API
process applies migrations at start (`upgrade`); the worker waits for the schema (`wait_for_head`).
On PostgreSQL an advisory lock serialises concurrent upgrades from several replicas.
"""

from __future__ import annotations

import time
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from rapportkit.db import READ_ONLY_OPTION, make_engine


def _config(script_location: Path, url: str, service: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def upgrade(*, script_location: Path, url: str, service: str) -> None:
    command.upgrade(_config(script_location, url, service), "head")


def at_head(*, script_location: Path, engine: Engine, service: str) -> bool:
    head = ScriptDirectory(str(script_location)).get_current_head()
    # a read (READ_ONLY_OPTION): on SQLite the worker's probe every half second must not take the
    # write lock the API process's migrations need
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        current = MigrationContext.configure(conn, opts={"version_table": version_table(service)}) \
            .get_current_revision()
    return current == head


def wait_for_head(*, script_location: Path, engine: Engine, service: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not at_head(script_location=script_location, engine=engine, service=service):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service}: database schema not migrated after {seconds:.0f} s "
                               "(the API process applies migrations at start)")
        time.sleep(0.5)


def run_env() -> None:
    """Body of every service's migrations/env.py (online mode only)."""
    cfg = context.config
    service = cfg.attributes["service"]
    engine = make_engine(cfg.get_main_option("sqlalchemy.url") or "", pool_size=1)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("select pg_advisory_lock(hashtext(:n))"), {"n": version_table(service)})
            conn.commit()
        context.configure(connection=conn, version_table=version_table(service),
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        if conn.dialect.name == "postgresql":
            conn.execute(text("select pg_advisory_unlock(hashtext(:n))"), {"n": version_table(service)})
            conn.commit()
    engine.dispose()
