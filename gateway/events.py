"""`POST /v1/events`: one CloudEvent or an array of up to RAPPORT_MAX_BATCH, in any content mode of
the CloudEvents HTTP binding (gateway/http_binding.py), validated here and routed by type to the
owning service, which stores it with its outbox row in one transaction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from gateway.auth import CallerDep
from gateway.http_binding import Locate, in_body, read_events
from gateway.upstream import Upstreams
from rapportkit import jsonutil, outbox
from rapportkit.catalog import EVENT_TYPES
from rapportkit.envelope import Event, EventInvalid, Loc, validate
from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from rapportkit.ingest import LANE_HEADER
from rapportkit.nul import MSG as NUL_MSG
from rapportkit.nul import find_nul

router = APIRouter(tags=["events"])
OWNER_OF_DOMAIN = {"insight": "insight", "network": "network", "content": "content", "outcome": "scoring"}


class EventsAccepted(BaseModel):
    accepted: int
    duplicates: int


def _path(loc: Loc) -> str:
    """`[1, "data", "rep_id"]` → `[1].data.rep_id`; `["header", "ce-type"]` → `header.ce-type`."""
    return ".".join(f"[{part}]" if isinstance(part, int) else part for part in loc).replace(".[", "[")


def _invalid(loc: Loc, msg: str) -> ApiError:
    return ApiError(422, "validation_error", f"{_path(loc)}: {msg}", [{"loc": loc, "msg": msg}])


def check_events(body: Any, *, tenant_id: str, max_batch: int, locate: Locate = in_body) -> list[Event]:
    """Validate a request body of events; raises ApiError naming the first bad item's field, where
    `locate(index, field path)` says it is in the request (by default `[index, *path]`)."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise ApiError(422, "validation_error", "the array of events is empty", [{"loc": [], "msg": "empty"}])
    if len(items) > max_batch:
        raise ApiError(413, "batch_too_large", f"{len(items)} events in one request; the limit is {max_batch}",
                       [{"loc": [], "msg": f"at most {max_batch} events per request"}])
    events: list[Event] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _invalid(locate(index, []), "an event must be a JSON object")
        nul = find_nul(item)  # events built from uploaded files pass here too (gateway/imports/jobs.py)
        if nul is not None:
            raise _invalid(locate(index, nul), NUL_MSG)
        known = EVENT_TYPES.get(str(item.get("type")))
        if known is not None and not known.ingestible:
            raise _invalid(locate(index, ["type"]),
                           f"{known.type} cannot be posted here; it is published by {known.owner}")
        try:
            event = validate(item)
        except EventInvalid as exc:
            first = exc.errors[0]
            error = _invalid(locate(index, first.loc), first.msg)
            error.details = [{"loc": locate(index, e.loc), "msg": e.msg} for e in exc.errors]
            raise error from exc
        if event["tenantid"] != tenant_id:
            loc = locate(index, ["tenantid"])
            raise ApiError(403, "forbidden", f"{_path(loc)} {event['tenantid']!r} is not the caller's tenant",
                           [{"loc": loc, "msg": "differs from the caller's tenant"}])
        events.append(event)
    return events


@router.post("/v1/events", status_code=202, response_model=EventsAccepted,
             summary="Post one CloudEvent or an array of them",
             description="The CloudEvents HTTP binding: structured (`application/cloudevents+json`), binary "
                         "(`ce-*` headers, the data in the body) and batch (`application/cloudevents-batch+json`) "
                         "content modes, and plain `application/json` (one event or an array). Null attributes "
                         "are treated as absent.")
async def post_events(request: Request, caller: CallerDep) -> EventsAccepted:
    settings = request.app.state.settings
    raw = await request.body()
    if len(raw) > settings.max_body_bytes:
        raise ApiError(413, "payload_too_large", f"request body over {settings.max_body_bytes} bytes")
    posted = read_events(request.headers, raw)
    if posted.mode == "batch" and posted.body == []:  # the JSON batch format allows an empty batch
        return EventsAccepted(accepted=0, duplicates=0)
    events = check_events(posted.body, tenant_id=caller.tenant_id, max_batch=settings.max_batch,
                          locate=posted.locate)
    return await ingest(request.app.state.upstreams, caller, events)


async def ingest(upstreams: Upstreams, caller: Identity, events: list[Event], *,
                 lane: str = outbox.LIVE) -> EventsAccepted:
    """Forward validated events (`check_events`) to their owning services, grouped by service, as
    `caller`, in `lane` (imports travel in the bulk lane, rapportkit.outbox); the sum of what the
    services accepted and already knew. Used by `POST /v1/events` and by the import jobs
    (gateway/imports/jobs.py)."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(OWNER_OF_DOMAIN[EVENT_TYPES[event["type"]].domain], []).append(event)
    accepted = duplicates = 0
    for service, group in groups.items():
        response = await upstreams.call(service, "POST", "/internal/events", caller, content=jsonutil.dumps(group),
                                        headers={LANE_HEADER: lane})
        if response.status_code != 202:
            raise ApiError(503 if response.status_code >= 500 else response.status_code, "upstream_error",
                           f"the {service} service refused the events: {response.text[:500]}")
        counts = response.json()
        accepted += counts["accepted"]
        duplicates += counts["duplicates"]
    return EventsAccepted(accepted=accepted, duplicates=duplicates)
