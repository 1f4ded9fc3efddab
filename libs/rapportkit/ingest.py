"""Accepting events from the gateway: `POST /internal/events` on every owning service.

The gateway has validated the events and vouches for the caller; the service applies each new
event in one transaction with its outbox row(s). Idempotent by event id:
- a type with an ingest handler: the id is claimed in the inbox, the handler changes state and
  returns the events to publish (usually the event itself, possibly enriched);
- a type without one is published as it came; the outbox's unique id is the dedupe.
The gateway says which lane the events travel in (`X-Rapport-Lane: bulk` for imports, else live;
rapportkit.outbox).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from rapportkit import inbox, jsonutil, outbox
from rapportkit.db import unit_of_work
from rapportkit.envelope import Event
from rapportkit.errors import ApiError
from rapportkit.metrics import metrics
from rapportkit.web import IdentityDep

IngestHandler = Callable[[Session, Event], list[Event]]
IngestHandlers = Mapping[str, IngestHandler]


LANE_HEADER = "X-Rapport-Lane"
BATCH_INFO = "rapport.ingest_batch"  # Session.info key: the events the request's handlers handle


def batch_of(session: Session) -> list[Event]:
    """For an ingest handler: every event of the request that a handler is to handle (claimed in the
    inbox now, the first of its id; not the duplicates), so a handler loads or locks what they all
    need in one statement instead of one per event."""
    return list(session.info.get(BATCH_INFO, ()))


def apply_events(session: Session, events: list[Event], handlers: IngestHandlers, *,
                 lane: str = outbox.LIVE) -> tuple[int, int]:
    """Apply events in the caller's transaction; returns (accepted, duplicates).

    Three statements per batch whatever its size: the handled events' ids are claimed in the
    inbox, the others are looked up in the outbox, and every event to publish is staged in order.
    """
    handled = [(e["tenantid"], e["id"], e["type"]) for e in events if e["type"] in handlers]
    claimed = inbox.claim_many(session, handled)
    first = {(e["tenantid"], e["id"]): e for e in reversed(events) if e["type"] in handlers}
    session.info[BATCH_INFO] = [e for e in events if first.get((e["tenantid"], e["id"])) is e
                                and (e["tenantid"], e["id"]) in claimed]
    known: set[tuple[str, str]] = set()
    for tenant in {e["tenantid"] for e in events if e["type"] not in handlers}:
        plain_ids = [e["id"] for e in events if e["tenantid"] == tenant and e["type"] not in handlers]
        known.update((tenant, i) for i in outbox.known_ids(session, tenant, plain_ids))
    to_publish: list[Event] = []
    accepted = duplicates = 0
    for event in events:
        key = (event["tenantid"], event["id"])
        handler = handlers.get(event["type"])
        if handler is not None and key in claimed:
            claimed.discard(key)  # the same id twice in one batch counts once
            to_publish.extend(handler(session, event))
        elif handler is None and key not in known:
            known.add(key)
            to_publish.append(event)
        else:
            duplicates += 1
            continue
        accepted += 1
    outbox.add_many(session, to_publish, lane=lane)
    return accepted, duplicates


def ingest_router(service: str, handlers: IngestHandlers, owned_types: frozenset[str]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    counted = metrics(service).ingested

    @router.post("/internal/events", status_code=202)
    async def ingest(request: Request, identity: IdentityDep) -> dict[str, Any]:
        events = jsonutil.loads(await request.body())
        if not isinstance(events, list):
            raise ApiError(422, "validation_error", "body must be an array of events")
        for index, event in enumerate(events):
            if event.get("tenantid") != identity.tenant_id:
                raise ApiError(403, "forbidden", f"[{index}].tenantid differs from the caller's tenant")
            if event.get("type") not in owned_types:
                raise ApiError(422, "validation_error", f"[{index}].type is not owned by this service")
        lane = request.headers.get(LANE_HEADER, outbox.LIVE)
        if lane not in outbox.LANES:
            raise ApiError(422, "validation_error", f"{LANE_HEADER} must be one of {', '.join(outbox.LANES)}")
        factory = request.app.state.session_factory

        def work() -> tuple[int, int]:
            with unit_of_work(factory) as session:
                return apply_events(session, events, handlers, lane=lane)

        accepted, duplicates = await run_in_threadpool(work)
        counted.labels("accepted").inc(accepted)
        counted.labels("duplicate").inc(duplicates)
        return {"accepted": accepted, "duplicates": duplicates}

    return router
