"""A gateway database (migrated SQLite) and an app of some gateway routers whose caller a test
chooses, for route tests without the stack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter
from fastapi.testclient import TestClient

import gateway
from gateway.auth import authenticate
from gateway.stream_hub import Hub
from rapportkit.db import SessionFactory, make_engine, make_session_factory
from rapportkit.identity import Identity
from rapportkit.migrate import upgrade
from rapportkit.web import create_app


@contextmanager
def gateway_database(directory: Path) -> Iterator[SessionFactory]:
    url = f"sqlite:///{directory / 'gateway.db'}"
    upgrade(script_location=Path(gateway.__file__).parent / "migrations", url=url, service="gateway")
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@contextmanager
def gateway_client(factory: SessionFactory, caller: list[Identity], *routers: APIRouter) -> Iterator[TestClient]:
    """A client of `routers`, authenticated as `caller[0]` (a test may change it between requests)."""
    app = create_app(service="gateway-routes", title="gateway routes")
    for router in routers:
        app.include_router(router)
    app.dependency_overrides[authenticate] = lambda: caller[0]
    app.state.session_factory = factory
    app.state.stream_hub = Hub(epoch="e1")
    with TestClient(app) as c:
        yield c
