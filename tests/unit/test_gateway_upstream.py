"""The gateway's pooled connections to the services never outlive the services' keep-alive."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI, Request

from gateway.upstream import KEEPALIVE_SECONDS, Upstreams
from rapportkit.identity import Identity


def test_an_idle_connection_is_dropped_before_uvicorn_closes_it() -> None:
    # uvicorn closes an idle connection after timeout_keep_alive; a request sent on it at that moment
    # fails (RemoteProtocolError, a 503 for a healthy service), so the gateway lets it go sooner
    assert KEEPALIVE_SECONDS < uvicorn.Config(app=FastAPI()).timeout_keep_alive


@pytest.fixture
def service() -> Iterator[str]:
    """A real uvicorn server with its default keep-alive, answering with the caller's port."""
    app = FastAPI()

    @app.get("/port")
    async def port(request: Request) -> dict[str, int]:
        assert request.client is not None
        return {"port": request.client.port}

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{free}"
    server.should_exit = True
    thread.join(10)


def test_a_connection_is_reused_while_fresh_and_replaced_once_idle_past_the_expiry(service: str) -> None:
    caller = Identity(tenant_id="acme", role="admin", key_id="k")

    async def ports() -> list[int]:
        upstreams = Upstreams({"scoring": service}, secret="s" * 32, timeout=5)
        try:
            seen = []
            for pause in (0.0, 0.2, KEEPALIVE_SECONDS + 0.5):
                await asyncio.sleep(pause)
                seen.append((await upstreams.call("scoring", "GET", "/port", caller)).json()["port"])
            return seen
        finally:
            await upstreams.aclose()

    first, fresh, after_idle = asyncio.run(ports())
    assert fresh == first  # kept alive between close requests
    assert after_idle != first  # a new connection, not one the service may be closing
