"""`GET /v1/stream`: server-sent events of the events published on Kafka, scoped to the caller's tenant.
The route is here; the buffers and clients in gateway/stream_hub.py, the Kafka side in
gateway/stream_feed.py.

How it works (docs/gateway.md "Event stream"):
- A background thread of the gateway (`Feeder`) reads the domain topics with a plain Kafka consumer
  that has no consumer group: it is assigned every partition of `STREAMED_TOPICS` and starts at
  their end, so each gateway replica sees every event published after it started. It appends each
  message to its tenant's ring buffer as it came, personal fields sealed (the last
  `BUFFER_PER_TENANT` events, tenant taken from the message key `<tenant>:...`) and hands it to that
  tenant's connected clients on the event loop (`loop.call_soon_threadsafe`); a message is opened
  only when a client is sent it (`stream_hub.open_items`). It also reads `rapport.privacy.v2`
  (never streamed) to drop from the buffers every event that mentions a person whose erasure was requested (and, for
  `ERASURE_GRACE_SECONDS`, the ones still arriving that were published before the request).
- Each SSE event is `id: <epoch>-<seq>` and `data: <the CloudEvent as JSON>` (no `event:` field, so a
  browser's `onmessage` gets them all; the CloudEvent `type` is in the data). `<seq>` counts the
  tenant's events in this gateway process and `<epoch>` names the process. Reconnecting with
  `Last-Event-ID` (or `?last_event_id=`) replays the buffered events after that id, then goes on
  live. An id of another epoch (the gateway restarted, or another replica) replays the whole
  buffer; when events after the id were already evicted, an `event: gap` comes first, so the
  client knows to reload its state.
- `?types=` keeps full types and prefixes (`rapport.scoring.`), comma-separated.
- Roles: `admin` receives all the tenant's events; `manager` the events of the reps of their teams
  and the events that name no rep; `rep` their own events and the events that name no rep;
  `ingest` cannot stream (403).
- A comment line every `HEARTBEAT_SECONDS` keeps proxies from closing an idle stream. A client that
  falls `MAX_PENDING` events behind is disconnected (it resumes with `Last-Event-ID`). On shutdown
  (SIGTERM/SIGINT, or the lifespan's end) every stream ends, so the server stops at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from gateway.auth import CallerDep
from gateway.stream_hub import BUFFER_PER_TENANT, HEARTBEAT_SECONDS, Hub, parse_event_id, parse_types, sse, view_for
from rapportkit.errors import ApiError

STREAM_ROLES = ("admin", "manager", "rep")


router = APIRouter(tags=["stream"])

EXAMPLE = ('id: 3f9a1c2e-42\ndata: {"specversion":"1.0","id":"score-…","type":"rapport.scoring.score.updated",'
           '"tenantid":"demo","data":{"rep_id":"rep-1","date":"2026-11-20","total":41.5,…}}\n\n')


@router.get(
    "/v1/stream", summary="Server-sent events of the tenant's published events",
    description="Every event published on the domain topics (directory, insight, network, content, outcome, "
                "scoring) from now on, as `text/event-stream`: `id: <epoch>-<seq>` and `data: <CloudEvent JSON>`. "
                "Reconnect with `Last-Event-ID` (or `?last_event_id=`) to receive the buffered events after it "
                f"(the last {BUFFER_PER_TENANT} per tenant); `event: gap` first when some were already evicted or "
                "the id is from another gateway process. `admin` sees all the tenant's events, `manager` those of "
                "their teams' reps, `rep` their own, both also the events that name no rep; `ingest` keys get 403. "
                f"A `: keep-alive` comment every {HEARTBEAT_SECONDS:.0f} s.",
    response_class=StreamingResponse,
    responses={200: {"description": "The stream (never ends by itself)",
                     "content": {"text/event-stream": {"schema": {"type": "string"}, "example": EXAMPLE}}},
               403: {"description": "An `ingest` key"},
               422: {"description": "An unknown type in `types`, or a malformed `Last-Event-ID`"},
               503: {"description": "The gateway is shutting down"}},
)
async def stream_events(
    request: Request, caller: CallerDep,
    types: Annotated[str | None, Query(max_length=4000, description="comma-separated full types or prefixes, "
                                       "e.g. `rapport.scoring.score.updated,rapport.network.`")] = None,
    last_event_id: Annotated[str | None, Query(max_length=60, description="as the `Last-Event-ID` header, for "
                                               "clients that cannot set headers")] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=60)] = None,
) -> StreamingResponse:
    if caller.role not in STREAM_ROLES and not caller.platform_admin:
        raise ApiError(403, "forbidden", f"the {caller.role!r} role cannot read the event stream")
    patterns = parse_types(types)
    after = parse_event_id(last_event_id_header or last_event_id)
    hub: Hub | None = getattr(request.app.state, "stream_hub", None)
    if hub is None or hub.closed:
        raise ApiError(503, "service_unavailable", "the event stream is not running; retry later",
                       headers={"Retry-After": "5"})
    view = view_for(caller, patterns)
    return StreamingResponse(sse(hub, view, after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


