"""A service's database for unit tests: embedded SQLite in a temporary folder, migrated as in
production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rapportkit.db import SessionFactory, make_engine, make_session_factory
from rapportkit.migrate import upgrade


@contextmanager
def migrated_sqlite(folder: Path, service: str) -> Iterator[SessionFactory]:
    url = f"sqlite:///{folder / f'{service}.db'}"
    upgrade(script_location=Path(__file__).resolve().parents[2] / "services" / service / "migrations", url=url,
            service=service)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()
