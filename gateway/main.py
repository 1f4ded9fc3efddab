"""The gateway process: `uvicorn gateway.main:app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import events
from gateway.routes import ROUTERS
from gateway.settings import GatewaySettings
from gateway.upstream import Upstreams
from rapportkit.logs import setup_logging
from rapportkit.web import create_app

settings = GatewaySettings()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    setup_logging("gateway", settings.log_level)
    app.state.settings = settings
    app.state.upstreams = Upstreams(settings.upstream_urls(), secret=settings.internal_secret,
                                    timeout=settings.upstream_timeout_seconds)
    yield
    await app.state.upstreams.aclose()


app = create_app(service="gateway", title="Rapport API", lifespan=lifespan,
                 description="Social selling activity tracker: events in, scores and reports out.")
app.include_router(events.router)
for router in ROUTERS:
    app.include_router(router)
