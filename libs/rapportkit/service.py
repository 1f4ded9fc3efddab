"""Wiring of a service's two processes from one `ServiceSpec`.

- `api_app(spec)`: applies the migrations at start, serves the service's routes (each behind the
  gateway's signed identity) and `POST /internal/events`.
- `worker_app(spec)`: waits for the schema, then runs the outbox relay and (if the service
  consumes topics) the consumer loop in background threads; serves `/health`, `/ready`
  (threads alive, consumer assigned) and `/metrics`. Stops cleanly: the consumer finishes its
  batch, the relay its pass, the producer is flushed and closed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI

from rapportkit import outbox
from rapportkit.consumer import ConsumerLoop, HandlerMap
from rapportkit.db import Listener, SessionFactory, make_engine, make_session_factory, ping
from rapportkit.ingest import IngestHandlers, ingest_router
from rapportkit.kafka import close_producer, make_producer
from rapportkit.logs import setup_logging
from rapportkit.metrics import metrics
from rapportkit.migrate import upgrade, wait_for_head
from rapportkit.pace import BulkPace
from rapportkit.relay import OutboxRelay
from rapportkit.settings import ServiceSettings
from rapportkit.web import create_app

log = logging.getLogger(__name__)
MakeLoop = Callable[[SessionFactory, ConsumerLoop | None], Callable[[threading.Event], None]]


@dataclass
class ServiceSpec:
    name: str
    settings: ServiceSettings
    migrations: Path
    title: str
    routers: Sequence[APIRouter] = ()
    owned_types: frozenset[str] = frozenset()
    ingest_handlers: IngestHandlers = field(default_factory=dict)
    consumes: Sequence[str] = ()
    handlers: HandlerMap = field(default_factory=dict)
    # more background loops of the worker, each made from the session factory and the consumer loop
    # (None when the service consumes nothing), run until stopped
    loops: Sequence[MakeLoop] = ()


def domain_spec(name: str, *, package_file: str, title: str, domain: str | None = None,
                **extra: object) -> ServiceSpec:
    """The spec of a service that owns the catalog types of `domain` (default: its own name)."""
    from rapportkit.catalog import EVENT_TYPES
    from rapportkit.settings import service_settings

    owned = frozenset(t for t, et in EVENT_TYPES.items() if et.domain == (domain or name))
    return ServiceSpec(name=name, settings=service_settings(name), title=title,
                       migrations=Path(package_file).parent / "migrations", owned_types=owned,
                       **extra)  # type: ignore[arg-type]


def api_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    url = settings.resolved_database_url()
    engine = make_engine(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging(spec.name, settings.log_level)
        upgrade(script_location=spec.migrations, url=url, service=spec.name)
        app.state.session_factory = make_session_factory(engine)
        app.state.internal_secret = settings.internal_secret
        log.info("api ready", extra={"fields": {"database": engine.url.render_as_string()}})
        yield
        engine.dispose()

    app = create_app(service=spec.name, title=spec.title, lifespan=lifespan, ready=lambda: ping(engine))
    for router in spec.routers:
        app.include_router(router)
    if spec.owned_types:
        app.include_router(ingest_router(spec.name, spec.ingest_handlers, spec.owned_types))
    return app


class Background:
    """The background loops of a process: the outbox relay, the consumer loop (when it consumes
    topics) and any extra loops, each in a thread; one producer shared by relay and DLQ."""

    def __init__(self, *, name: str, settings: ServiceSettings, factory: SessionFactory, consumes: Sequence[str],
                 handlers: HandlerMap,
                 loops: Sequence[MakeLoop] = ()):
        self.stop = threading.Event()
        self.producer = make_producer(settings.kafka_bootstrap_servers, client_id=f"{name}-background")
        m = metrics(name)
        self.pace = BulkPace(settings.kafka_bootstrap_servers, groups=settings.bulk_pace_groups.split(","),
                             max_lag=settings.bulk_max_lag)
        self.listener = Listener(factory.kw["bind"], outbox.CHANNEL)
        relay = OutboxRelay(session_factory=factory, producer=self.producer, metrics=m, pace=self.pace,
                            listener=self.listener, batch_size=settings.relay_batch_size,
                            min_pass_seconds=settings.relay_min_pass_ms / 1000)
        self.threads = [threading.Thread(target=_guard(relay.run, self.stop), name="relay", daemon=True)
                        ] if settings.relay_enabled else []
        self.consumer: ConsumerLoop | None = None
        if consumes:
            self.consumer = ConsumerLoop(
                group=settings.consumer_group or name, bootstrap=settings.kafka_bootstrap_servers,
                topics=list(consumes), handlers=handlers, session_factory=factory, producer=self.producer, metrics=m,
                max_retries=settings.consumer_max_retries, backoff_seconds=settings.consumer_backoff_seconds,
                max_poll_records=settings.consumer_max_poll_records)
            self.threads.append(threading.Thread(target=_guard(self.consumer.run, self.stop), name="consumer",
                                                 daemon=True))
        for i, make_loop in enumerate(loops):
            self.threads.append(threading.Thread(target=_guard(make_loop(factory, self.consumer), self.stop),
                                                 name=f"loop-{i}",
                                                 daemon=True))

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
        close_producer(self.producer)
        self.pace.close()
        self.listener.close()

    def alive(self) -> None:
        dead = [t.name for t in self.threads if not t.is_alive()]
        if dead:
            raise RuntimeError(f"background threads died: {dead}")

    def ready(self) -> None:
        self.alive()
        if self.consumer is not None and not self.consumer.assigned.is_set():
            raise RuntimeError("consumer has no partitions assigned yet")


def worker_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    engine = make_engine(settings.resolved_database_url())
    running: list[Background] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging(f"{spec.name}-worker", settings.log_level)
        wait_for_head(script_location=spec.migrations, engine=engine, service=spec.name)
        background = Background(name=spec.name, settings=settings, factory=make_session_factory(engine),
                                consumes=spec.consumes, handlers=spec.handlers, loops=spec.loops)
        running.append(background)
        background.start()
        log.info("worker started", extra={"fields": {"topics": list(spec.consumes)}})
        yield
        background.close()
        engine.dispose()
        log.info("worker stopped")

    def alive() -> None:
        for background in running:
            background.alive()

    def ready() -> None:
        ping(engine)
        if not running:
            raise RuntimeError("not started")
        running[0].ready()

    return create_app(service=f"{spec.name}-worker", title=f"{spec.title} worker", lifespan=lifespan,
                      ready=ready, alive=alive)


def _guard(target: Callable[[threading.Event], None], stop: threading.Event) -> Callable[[], None]:
    """Run a loop; if it dies, log it (the worker's /ready then reports the dead thread)."""
    def run() -> None:
        try:
            target(stop)
        except Exception:
            log.exception("background loop died")
    return run
