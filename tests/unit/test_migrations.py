"""Each service's Alembic migrations create exactly what its models (and the platform tables)
declare: a model changed without a migration fails here."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from rapportkit import db, inbox, outbox
from rapportkit.migrate import upgrade
from stack.processes import SERVICES


@pytest.mark.parametrize("service", [*SERVICES, "gateway"])
def test_migrations_match_the_models(service: str, tmp_path: Path) -> None:
    module = service if service == "gateway" else f"services.{service}"
    package = importlib.import_module(module)
    models = importlib.import_module(f"{module}.models")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(script_location=Path(str(package.__file__)).parent / "migrations", url=url, service=service)
    declared = MetaData()
    assert {inbox.InboxRow.__tablename__, outbox.OutboxRow.__tablename__} <= set(db.Base.metadata.tables)
    for table in [*db.Base.metadata.sorted_tables, *models.Base.metadata.sorted_tables]:
        table.to_metadata(declared)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, declared)
                if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))]
    engine.dispose()
    assert diff == []
