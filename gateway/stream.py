"""`GET /v1/stream`: server-sent events of the events published on Kafka, scoped to the caller's tenant.

How it works (docs/gateway.md "Event stream"):
- A background thread of the gateway (`Feeder`) reads the domain topics with a plain Kafka consumer
  that has no consumer group: it is assigned every partition of `STREAMED_TOPICS` and starts at
  their end, so each gateway replica sees every event published after it started. It appends each
  message to its tenant's ring buffer (the last `BUFFER_PER_TENANT` events, tenant taken from the
  message key `<tenant>:...`) and hands it to that tenant's connected clients on the event loop
  (`loop.call_soon_threadsafe`). It also reads `rapport.privacy.v1` (never streamed) to drop from the
  buffers every event that mentions a person whose erasure was requested (and, for
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

import asyncio
import logging
import re
import secrets
import signal
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from types import FrameType
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from kafka import KafkaConsumer, TopicPartition
from prometheus_client import Counter, Gauge

from gateway.access import Reach
from gateway.auth import CallerDep
from gateway.privacy import REQUESTED, mentions, needles_of
from rapportkit import jsonutil
from rapportkit.catalog import EVENT_TYPES, TOPICS
from rapportkit.errors import ApiError
from rapportkit.identity import Identity

log = logging.getLogger(__name__)

STREAMED_DOMAINS = ("directory", "insight", "network", "content", "outcome", "scoring")
STREAMED_TOPICS = tuple(TOPICS[d] for d in STREAMED_DOMAINS)
PRIVACY_TOPIC = TOPICS["privacy"]
STREAMED_TYPES = tuple(sorted(t for t, et in EVENT_TYPES.items() if et.domain in STREAMED_DOMAINS))
REP_UPSERTED = "rapport.directory.rep.upserted"
BUFFER_PER_TENANT = 1000
ERASURE_GRACE_SECONDS = 120.0  # after an erasure request, events mentioning the person are not buffered
HEARTBEAT_SECONDS = 15.0
MAX_PENDING = 10000
RETRY_MS = 3000
STREAM_ROLES = ("admin", "manager", "rep")
_ID = re.compile(r"^([0-9a-z]{1,32})-([0-9]{1,18})$")

clients_gauge = Gauge("gateway_stream_clients", "Connected SSE clients")
received_counter = Counter("gateway_stream_events_received", "Events read by the SSE feeder", ["topic"])


# --- what a client asked for ------------------------------------------------------------------

def parse_types(value: str | None) -> tuple[str, ...] | None:
    """`?types=` → full types and prefixes (ending with `.`); None for all. 422 naming the item."""
    if value is None or not value.strip():
        return None
    patterns: list[str] = []
    for item in (p.strip() for p in value.split(",")):
        if not item:
            continue
        if item not in STREAMED_TYPES:
            item = item if item.endswith(".") else item + "."
            if not any(t.startswith(item) for t in STREAMED_TYPES):
                raise ApiError(422, "validation_error",
                               f"types: {item.rstrip('.')!r} is neither a streamed event type nor a prefix of one",
                               [{"loc": ["query", "types"], "msg": f"unknown type or prefix {item.rstrip('.')!r}"}])
        if item not in patterns:
            patterns.append(item)
    return tuple(patterns) or None


def parse_event_id(value: str | None) -> tuple[str, int] | None:
    if value is None or not value.strip():
        return None
    match = _ID.match(value.strip())
    if not match:
        raise ApiError(422, "validation_error", "Last-Event-ID: not an id this stream sent (<epoch>-<seq>)",
                       [{"loc": ["header", "last-event-id"], "msg": "expected <epoch>-<seq>, e.g. 3f9a1c2e-41"}])
    return match.group(1), int(match.group(2))


def type_matches(event_type: str, patterns: tuple[str, ...] | None) -> bool:
    if patterns is None:
        return True
    return any(event_type == p or (p.endswith(".") and event_type.startswith(p)) for p in patterns)


# --- the buffers ------------------------------------------------------------------------------

@dataclass
class Item:
    """One buffered message: its value as read, parsed on first use."""

    seq: int
    raw: bytes
    _event: dict[str, Any] | None = None
    _parsed: bool = False

    def event(self) -> dict[str, Any] | None:
        if not self._parsed:
            try:
                value = jsonutil.loads(self.raw)
                if isinstance(value, dict) and isinstance(value.get("type"), str):
                    self._event = value
            except ValueError:
                pass
            self._parsed = True
        return self._event

    def mentions(self, needles: list[str]) -> bool:
        event = self.event()
        text = jsonutil.dumps(event).decode() if event is not None else self.raw.decode(errors="replace")
        return mentions(text, needles) or mentions(self.raw.decode(errors="replace"), needles)


CLOSED = "closed"
OVERFLOW = "overflow"


class Subscriber:
    """A connected client: items are appended on the event loop only."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.pending: deque[Item] = deque()
        self.wake = asyncio.Event()
        self.ended: str | None = None

    def offer(self, items: list[Item]) -> None:
        """From any thread."""
        try:
            self.loop.call_soon_threadsafe(self._append, items)
        except RuntimeError:  # the loop is closed: the process is stopping
            pass

    def end(self, reason: str) -> None:
        try:
            self.loop.call_soon_threadsafe(self._end, reason)
        except RuntimeError:
            pass

    def _append(self, items: list[Item]) -> None:
        self.pending.extend(items)
        if len(self.pending) > MAX_PENDING:
            self.pending.clear()  # it resumes from the last id it received
            self._end(OVERFLOW)
        self.wake.set()

    def _end(self, reason: str) -> None:
        self.ended = self.ended or reason
        self.wake.set()


@dataclass
class Backlog:
    items: list[Item]
    gap: str | None  # why events after the client's id may be missing


class Hub:
    """Per-tenant ring buffers of recent events and the connected clients, shared by the feeder
    thread and the event loop (one lock, held briefly)."""

    def __init__(self, *, buffer_size: int = BUFFER_PER_TENANT, epoch: str | None = None):
        self.epoch = epoch or secrets.token_hex(4)
        self.buffer_size = buffer_size
        self._lock = threading.Lock()
        self._rings: dict[str, deque[Item]] = {}
        self._seq: dict[str, int] = {}
        self._evicted_upto: dict[str, int] = {}
        self._subs: dict[str, set[Subscriber]] = {}
        self._erasing: dict[str, list[tuple[float, list[str]]]] = {}  # tenant → (until, needles)
        self.closed = False

    def publish(self, records: Iterable[tuple[str, bytes]]) -> None:
        """Append (tenant, value) pairs in order and hand them to the tenants' clients."""
        fresh: dict[str, list[Item]] = {}
        with self._lock:
            for tenant, raw in records:
                if tenant in self._erasing and self._erased(tenant, Item(0, raw)):
                    continue
                seq = self._seq.get(tenant, 0) + 1
                self._seq[tenant] = seq
                ring = self._rings.get(tenant)
                if ring is None:
                    ring = self._rings[tenant] = deque(maxlen=self.buffer_size)
                if len(ring) == self.buffer_size:
                    self._evicted_upto[tenant] = ring[0].seq
                item = Item(seq, raw)
                ring.append(item)
                fresh.setdefault(tenant, []).append(item)
            targets = [(sub, fresh[t]) for t in fresh for sub in self._subs.get(t, ())]
        for sub, items in targets:
            sub.offer(items)

    def subscribe(self, tenant: str, after: tuple[str, int] | None, sub: Subscriber) -> Backlog:
        """Register `sub` for the tenant's new events; returns the buffered events after `after`."""
        with self._lock:
            if self.closed:
                sub.ended = CLOSED
                return Backlog([], None)
            self._subs.setdefault(tenant, set()).add(sub)
            ring = list(self._rings.get(tenant, ()))
            if after is None:
                return Backlog([], None)
            epoch, seq = after
            if epoch != self.epoch:
                return Backlog(ring, "unknown_id")
            gap = "evicted" if seq < self._evicted_upto.get(tenant, 0) else None
            return Backlog([i for i in ring if i.seq > seq], gap)

    def unsubscribe(self, tenant: str, sub: Subscriber) -> None:
        with self._lock:
            subs = self._subs.get(tenant)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[tenant]

    def _erased(self, tenant: str, item: Item) -> bool:
        """Whether an event mentions a person erased in the last moments (events published before
        the request may be read after it, from another partition); under the lock."""
        now = time.monotonic()
        active = [(until, needles) for until, needles in self._erasing[tenant] if until > now]
        if not active:
            del self._erasing[tenant]
            return False
        self._erasing[tenant] = active
        return any(item.mentions(needles) for _, needles in active)

    def purge(self, tenant: str, needles: list[str]) -> int:
        """Drop the tenant's buffered events that mention a person (privacy erasure), and keep
        dropping new ones for `ERASURE_GRACE_SECONDS`."""
        if not needles:
            return 0
        with self._lock:
            self._erasing.setdefault(tenant, []).append((time.monotonic() + ERASURE_GRACE_SECONDS, needles))
            ring = self._rings.get(tenant)
            if not ring:
                return 0
            kept = [i for i in ring if not i.mentions(needles)]
            dropped = len(ring) - len(kept)
            self._rings[tenant] = deque(kept, maxlen=self.buffer_size)
        return dropped

    def close(self) -> None:
        with self._lock:
            self.closed = True
            subs = [s for group in self._subs.values() for s in group]
        for sub in subs:
            sub.end(CLOSED)

    def clients(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())


# --- one client's view ------------------------------------------------------------------------

@dataclass
class View:
    """What one client may see: its tenant, its reps (None: all) and its types."""

    tenant_id: str
    patterns: tuple[str, ...] | None
    reps: set[str] | None = None
    team_ids: frozenset[str] = field(default_factory=frozenset)  # a manager's teams: follows the directory

    def frame(self, epoch: str, item: Item) -> str | None:
        event = item.event()
        if event is None or event.get("tenantid") != self.tenant_id:
            return None  # a message keyed to this tenant that says otherwise is never shown
        event_type = event["type"]
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        assert isinstance(data, dict)
        if event_type == REP_UPSERTED and self.team_ids and self.reps is not None and data.get("rep_id"):
            if data.get("team_id") in self.team_ids:
                self.reps.add(str(data["rep_id"]))
            else:
                self.reps.discard(str(data["rep_id"]))
        if not type_matches(event_type, self.patterns):
            return None
        rep = data.get("rep_id")
        if self.reps is not None and rep is not None and rep not in self.reps:
            return None
        return f"id: {epoch}-{item.seq}\ndata: {jsonutil.dumps(event).decode()}\n\n"


def view_for(caller: Identity, patterns: tuple[str, ...] | None, team_reps: set[str] | None) -> View:
    if caller.role == "admin" or caller.platform_admin:
        return View(caller.tenant_id, patterns)
    if caller.role == "manager":
        return View(caller.tenant_id, patterns, reps=set(team_reps or ()), team_ids=frozenset(caller.team_ids))
    return View(caller.tenant_id, patterns, reps={caller.rep_id} if caller.rep_id else set())


async def sse(hub: Hub, view: View, after: tuple[str, int] | None, *,
              heartbeat: float = HEARTBEAT_SECONDS) -> AsyncIterator[str]:
    """The body of one stream: the backlog after `after`, then live events and heartbeats."""
    sub = Subscriber(asyncio.get_running_loop())
    backlog = hub.subscribe(view.tenant_id, after, sub)
    clients_gauge.inc()
    try:
        yield f": rapport event stream {hub.epoch}\nretry: {RETRY_MS}\n\n"
        if backlog.gap:
            yield f"event: gap\ndata: {jsonutil.dumps({'reason': backlog.gap}).decode()}\n\n"
        frames = [f for f in (view.frame(hub.epoch, i) for i in backlog.items) if f]
        if frames:
            yield "".join(frames)
        while sub.ended is None:
            if not sub.pending:
                sub.wake.clear()
                try:
                    await asyncio.wait_for(sub.wake.wait(), timeout=heartbeat)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
            frames = []
            while sub.pending and len(frames) < 500:
                frame = view.frame(hub.epoch, sub.pending.popleft())
                if frame:
                    frames.append(frame)
            if frames:
                yield "".join(frames)
    finally:
        hub.unsubscribe(view.tenant_id, sub)
        clients_gauge.dec()


# --- the Kafka side ---------------------------------------------------------------------------

def tenant_of(key: bytes | None, value: bytes) -> str | None:
    if key and b":" in key:
        return key.split(b":", 1)[0].decode(errors="replace")
    try:
        event = jsonutil.loads(value)
    except ValueError:
        return None
    tenant = event.get("tenantid") if isinstance(event, dict) else None
    return tenant if isinstance(tenant, str) else None


class Feeder:
    """The thread that reads the topics (no consumer group) into the hub."""

    def __init__(self, hub: Hub, *, bootstrap: str, topics: tuple[str, ...] = (*STREAMED_TOPICS, PRIVACY_TOPIC)):
        self.hub = hub
        self.bootstrap = bootstrap
        self.topics = topics
        self.ready = threading.Event()

    def run(self, stop: threading.Event) -> None:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=None,
                                 client_id="gateway-stream", enable_auto_commit=False, fetch_max_wait_ms=100,
                                 metadata_max_age_ms=30000, max_poll_records=1000)
        try:
            self._assign(consumer, stop, at_end=True)
            self.ready.set()
            checked = time.monotonic()
            while not stop.is_set():
                polled = consumer.poll(timeout_ms=200)
                for records in polled.values():
                    self.feed(records)
                if time.monotonic() - checked > 60:
                    self._assign(consumer, stop, at_end=False)
                    checked = time.monotonic()
        finally:
            consumer.close(autocommit=False)

    def _assign(self, consumer: KafkaConsumer, stop: threading.Event, *, at_end: bool) -> None:
        """Assign every partition of the topics; at start, position them at their end. Later calls pick
        up partitions added since (from their beginning) and keep the others where they are."""
        while not stop.is_set():
            consumer.topics()  # refresh the metadata
            found = {t: consumer.partitions_for_topic(t) for t in self.topics}
            missing = [t for t, parts in found.items() if not parts]
            if not missing:
                break
            if not at_end:
                return
            log.warning("stream topics not in the metadata yet", extra={"fields": {"missing": missing}})
            stop.wait(1.0)
        else:
            return
        wanted = [TopicPartition(t, p) for t, parts in found.items() for p in sorted(parts or ())]
        current = set(consumer.assignment())
        if set(wanted) == current:
            return
        positions = {tp: consumer.position(tp) for tp in current}
        consumer.assign(wanted)
        if at_end:
            consumer.seek_to_end(*wanted)
            for tp in wanted:
                consumer.position(tp)  # resolve the end offsets now, so nothing published after this is missed
            return
        for tp in wanted:
            if tp in positions:
                consumer.seek(tp, positions[tp])
            else:
                consumer.seek_to_beginning(tp)

    def feed(self, records: list[Any]) -> None:
        streamed: list[tuple[str, bytes]] = []
        for record in records:
            received_counter.labels(record.topic).inc()
            if record.value is None:
                continue
            if record.topic == PRIVACY_TOPIC:
                self._privacy(record.value)
                continue
            tenant = tenant_of(record.key, record.value)
            if tenant:
                streamed.append((tenant, record.value))
        if streamed:
            self.hub.publish(streamed)

    def _privacy(self, value: bytes) -> None:
        try:
            event = jsonutil.loads(value)
            if event.get("type") == REQUESTED:
                self.hub.purge(str(event["tenantid"]), needles_of(event["data"]["person"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("unreadable privacy event ignored by the stream")


class StreamService:
    """The hub and its feeder thread, started and stopped with the gateway."""

    def __init__(self, *, bootstrap: str, loop: asyncio.AbstractEventLoop):
        self.hub = Hub()
        self.feeder = Feeder(self.hub, bootstrap=bootstrap)
        self.stop = threading.Event()
        self.loop = loop
        self.thread = threading.Thread(target=self._run, name="stream", daemon=True)

    def _run(self) -> None:
        try:
            self.feeder.run(self.stop)
        except Exception:
            log.exception("the stream feeder died")

    def start(self) -> None:
        self.thread.start()
        _chain_exit_signals(lambda: self._close_soon())

    def _close_soon(self) -> None:
        self.loop.call_soon_threadsafe(self.hub.close)

    def close(self) -> None:
        self.hub.close()
        self.stop.set()
        self.thread.join(timeout=30)
        if self in _running:
            _running.remove(self)

    def ready(self) -> None:
        self.alive()
        if not self.feeder.ready.is_set():
            raise RuntimeError("the stream feeder is not positioned on its topics yet")

    def alive(self) -> None:
        if not self.thread.is_alive():
            raise RuntimeError("background threads died: ['stream']")


_running: list[StreamService] = []


def start(app: FastAPI, *, bootstrap: str) -> StreamService:
    """Start the stream (from the gateway's lifespan); `close()` it at shutdown."""
    service = StreamService(bootstrap=bootstrap, loop=asyncio.get_running_loop())
    service.start()
    _running.append(service)
    app.state.stream_hub = service.hub
    return service


def ready() -> None:
    for service in _running:
        service.ready()


def alive() -> None:
    for service in _running:
        service.alive()


def _chain_exit_signals(on_exit: Callable[[], None]) -> None:
    """End the streams as soon as the server is told to stop: the server waits for open responses
    to finish before it runs the lifespan's shutdown, and a stream never finishes by itself."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: FrameType | None, previous: Callable[..., Any] = previous) -> None:
            on_exit()
            previous(signum, frame)

        signal.signal(sig, handler)


# --- the route --------------------------------------------------------------------------------

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
    team_reps = None
    if caller.role == "manager" and not caller.platform_admin:
        team_reps = await run_in_threadpool(Reach(request, caller).reps)
    view = view_for(caller, patterns, team_reps)
    return StreamingResponse(sse(hub, view, after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

