"""The app factory every process is built by (rapportkit.web.create_app)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from rapportkit.web import create_app


class Node:
    me: Any = None


def test_the_heap_built_by_the_startup_is_frozen_once_the_startup_is_done() -> None:
    """What the imports and the lifespan's startup made is left out of later collections, so a full
    collection does not stop the process for the whole heap's walk (docs/architecture.md); the
    startup's garbage is collected first, not frozen for good."""
    seen: dict[str, int] = {}
    garbage: list[weakref.ref[Node]] = []

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        seen["during startup"] = gc.get_freeze_count()
        cycle = Node()
        cycle.me = cycle  # unreachable once the startup is done: only a collection frees it
        garbage.append(weakref.ref(cycle))
        del cycle
        yield

    gc.unfreeze()
    gc.disable()  # no automatic collection in between: only the app's own
    try:
        with TestClient(create_app(service="test", title="test", lifespan=lifespan)) as client:
            assert client.get("/health").status_code == 200
            assert seen["during startup"] == 0, "frozen only after the startup"
            assert gc.get_freeze_count() > 1000
            assert garbage[0]() is None, "the startup's garbage was collected, not frozen"
        gc.unfreeze()
        with TestClient(create_app(service="test", title="test")):  # no lifespan of its own
            assert gc.get_freeze_count() > 1000
    finally:
        gc.enable()
        gc.unfreeze()
