"""The app factory every process is built by (rapportkit.web.create_app)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from rapportkit.web import create_app


def test_the_heap_built_by_the_startup_is_frozen_once_the_startup_is_done() -> None:
    """What the imports and the lifespan's startup made is left out of later collections, so a full
    collection does not stop the process for the whole heap's walk (docs/architecture.md)."""
    seen: dict[str, int] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        seen["during startup"] = gc.get_freeze_count()
        yield

    gc.unfreeze()
    try:
        with TestClient(create_app(service="test", title="test", lifespan=lifespan)) as client:
            assert client.get("/health").status_code == 200
            assert seen["during startup"] == 0, "frozen only after the startup"
            assert gc.get_freeze_count() > 1000
        gc.unfreeze()
        with TestClient(create_app(service="test", title="test")):  # no lifespan of its own
            assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
