"""The gateway process: `uvicorn gateway.main:app`.

At start it applies its migrations (directory, API keys, erasure requests, import jobs, webhooks,
digests, outbox), opens one pooled client per upstream service and starts its background loops: the
outbox relay (directory and privacy events), its consumer (see gateway/consumers.py), the webhooks'
dispatcher and sender (gateway/webhooks) and, when `RAPPORT_SMTP_URL` is set, the digest scheduler
(gateway/digests/schedule.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from gateway import admin, contracts, dashboard, events, imports, limits, privacy, stream, stream_feed, tenant_deletion
from gateway.consumers import CONSUMES, HANDLERS
from gateway.digests import routes as digests
from gateway.digests.schedule import scheduler
from gateway.routes import ROUTERS
from gateway.settings import GatewaySettings
from gateway.upstream import Upstreams
from gateway.webhooks import dispatch, send
from gateway.webhooks import routes as webhooks
from rapportkit.db import make_engine, make_session_factory, ping
from rapportkit.logs import setup_logging
from rapportkit.migrate import upgrade
from rapportkit.service import Background
from rapportkit.web import create_app

settings = GatewaySettings()
MIGRATIONS = Path(__file__).parent / "migrations"
engine = make_engine(settings.resolved_database_url())
running: list[Background] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    setup_logging("gateway", settings.log_level)
    upgrade(script_location=MIGRATIONS, url=settings.resolved_database_url(), service="gateway")
    factory = make_session_factory(engine)
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.internal_secret = settings.internal_secret
    app.state.upstreams = Upstreams(settings.upstream_urls(), secret=settings.internal_secret,
                                    timeout=settings.upstream_timeout_seconds)
    background = Background(name="gateway", settings=settings, factory=factory, consumes=CONSUMES,
                            handlers=HANDLERS,
                            loops=[dispatch.dispatcher(settings),
                                   send.sender(allow_private=settings.webhook_allow_private),
                                   *([scheduler(settings)] if settings.smtp_url else [])])
    running.append(background)
    background.start()
    streams = stream_feed.start(app, bootstrap=settings.kafka_bootstrap_servers)
    yield
    streams.close()
    background.close()
    await app.state.upstreams.aclose()
    engine.dispose()


def ready() -> None:
    ping(engine)
    for background in running:
        background.ready()
    stream_feed.ready()


def alive() -> None:
    for background in running:
        background.alive()
    stream_feed.alive()


app = create_app(service="gateway", title="Rapport API", lifespan=lifespan, ready=ready, alive=alive,
                 description="Social selling activity tracker: events in, scores and reports out.")
app.include_router(events.router)
app.include_router(imports.router)
app.include_router(admin.router)
app.include_router(contracts.router)
app.include_router(stream.router)
app.include_router(privacy.router)
app.include_router(tenant_deletion.router)
app.include_router(digests.router)
app.include_router(dashboard.router)
app.include_router(webhooks.router)
for router in ROUTERS:
    app.include_router(router)
limits.install(app, max_body_bytes=settings.max_body_bytes)
