"""The event stream's buffers and clients (docs/gateway.md "Event stream"; the whole design is in
gateway/stream.py): what a client asked for (`?types=`, `Last-Event-ID`), the per-tenant ring
buffers (`Hub`), one client's view of its tenant's events (`View`, by role), and the SSE writer."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Gauge

from rapportkit import access, jsonutil, keyring
from rapportkit.catalog import EVENT_TYPES, SEALED_ATTRIBUTE
from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from rapportkit.privacy import mentions
from rapportkit.sealing import SealBroken, open_each

log = logging.getLogger(__name__)

STREAMED_DOMAINS = ("directory", "insight", "network", "content", "outcome", "scoring")
STREAMED_TYPES = tuple(sorted(t for t, et in EVENT_TYPES.items() if et.domain in STREAMED_DOMAINS))
REP_UPSERTED = "rapport.directory.rep.upserted"
BUFFER_PER_TENANT = 1000
ERASURE_GRACE_SECONDS = 120.0  # after an erasure request, events mentioning the person are not buffered
HEARTBEAT_SECONDS = 15.0
MAX_PENDING = 10000
RETRY_MS = 3000
_ID = re.compile(r"^([0-9a-z]{1,32})-([0-9]{1,18})$")

clients_gauge = Gauge("gateway_stream_clients", "Connected SSE clients")


# --- what a client asked for ------------------------------------------------------------------

def parse_types(value: str | None) -> tuple[str, ...] | None:
    """`?types=` → full types and prefixes (ending with `.`); None for all. 422 naming the item."""
    if value is None or not value.strip():
        return None
    return type_patterns(value.split(","), loc=["query", "types"]) or None


def type_patterns(items: Iterable[str], *, loc: list[str | int]) -> tuple[str, ...]:
    """Full types and prefixes (a prefix ends with `.`; one given without it gets it), each a streamed
    type or the prefix of one, without repeats; a 422 naming `loc` for any other."""
    patterns: list[str] = []
    for item in (p.strip() for p in items):
        if not item:
            continue
        if item not in STREAMED_TYPES:
            item = item if item.endswith(".") else item + "."
            if not any(t.startswith(item) for t in STREAMED_TYPES):
                raise ApiError(422, "validation_error",
                               f"types: {item.rstrip('.')!r} is neither a streamed event type nor a prefix of one",
                               [{"loc": loc, "msg": f"unknown type or prefix {item.rstrip('.')!r}"}])
        if item not in patterns:
            patterns.append(item)
    return tuple(patterns)


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
    """One buffered message: its value as read from the topic, personal fields sealed. It is opened
    (rapportkit.sealing, with the keyring) only when a client is sent it or an erasure purge has to
    read it (`open_items`, a batch at a time), so a tenant without a connected client costs nothing
    but the bytes."""

    seq: int
    raw: bytes
    _event: dict[str, Any] | None = None
    _text: str | None = None
    _opened: bool = False

    @property
    def opened(self) -> bool:
        return self._opened

    def event(self) -> dict[str, Any] | None:
        """The event opened (None when it is not an event, or its seal does not open)."""
        if not self._opened:
            open_items([self])
        return self._event

    def text(self) -> str | None:
        """The opened event as JSON, serialised once for every client that is sent it."""
        if self._text is None and (event := self.event()) is not None:
            self._text = jsonutil.dumps(event).decode()
        return self._text

    def mentions(self, needles: list[str]) -> bool:
        text = self.text()
        raw = self.raw.decode(errors="replace")
        return mentions(text if text is not None else raw, needles) or mentions(raw, needles)


def open_items(items: Iterable[Item]) -> None:
    """Open the items not opened yet, their keys fetched once for the batch (rapportkit.sealing):
    the stream serves authorised callers cleartext. A seal that does not open leaves the item empty,
    and it is never sent."""
    todo = [item for item in items if not item.opened]
    if not todo:
        return
    values: list[Any] = []
    for item in todo:
        try:
            values.append(jsonutil.loads(item.raw))
        except ValueError:
            values.append(None)
    sealed = any(isinstance(v, dict) and SEALED_ATTRIBUTE in v for v in values)
    for item, result in zip(todo, open_each(values, keyring.default()) if sealed else values, strict=True):
        if isinstance(result, SealBroken):
            log.warning("an event whose seal does not open ignored by the stream")
        elif isinstance(result, dict) and isinstance(result.get("type"), str):
            item._event = result
        item._opened = True


async def opened(items: list[Item]) -> list[Item]:
    """`items`, opened off the event loop (the keyring is a database) when some are not yet."""
    if any(not item.opened for item in items):
        await asyncio.to_thread(open_items, items)
    return items


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
        """Append (tenant, value) pairs in order and hand them to the tenants' clients. Values stay
        sealed; only those of a tenant with an erasure under way are opened here, to be checked."""
        items = [(tenant, Item(0, raw)) for tenant, raw in records]
        with self._lock:
            erasing = set(self._erasing)
        if erasing:
            open_items(item for tenant, item in items if tenant in erasing)
        fresh: dict[str, list[Item]] = {}
        with self._lock:
            for tenant, item in items:
                if tenant in self._erasing and self._erased(tenant, item):
                    continue
                seq = self._seq.get(tenant, 0) + 1
                self._seq[tenant] = item.seq = seq
                ring = self._rings.get(tenant)
                if ring is None:
                    ring = self._rings[tenant] = deque(maxlen=self.buffer_size)
                if len(ring) == self.buffer_size:
                    self._evicted_upto[tenant] = ring[0].seq
                ring.append(item)
                fresh.setdefault(tenant, []).append(item)
            targets = [(sub, fresh[t]) for t in fresh for sub in self._subs.get(t, ())]
        for sub, subscribed in targets:
            sub.offer(subscribed)

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
        dropping new ones for `ERASURE_GRACE_SECONDS`. The buffered events are opened to be read
        (outside the lock: the keyring is a database); those published meanwhile are checked by
        `publish`, the erasure being registered first."""
        if not needles:
            return 0
        with self._lock:
            self._erasing.setdefault(tenant, []).append((time.monotonic() + ERASURE_GRACE_SECONDS, needles))
            buffered = list(self._rings.get(tenant, ()))
        open_items(buffered)
        with self._lock:
            ring = self._rings.get(tenant)
            if not ring:
                return 0
            kept = [i for i in ring if not i.mentions(needles)]
            dropped = len(ring) - len(kept)
            self._rings[tenant] = deque(kept, maxlen=self.buffer_size)
        return dropped

    def forget_tenant(self, tenant: str) -> int:
        """A deleted tenant: drop its buffer and end its clients' streams; returns events dropped."""
        with self._lock:
            dropped = len(self._rings.pop(tenant, ()))
            for table in (self._seq, self._evicted_upto, self._erasing):
                table.pop(tenant, None)
            subs = self._subs.pop(tenant, set())
        for sub in subs:
            sub.end(CLOSED)
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
        return f"id: {epoch}-{item.seq}\ndata: {item.text()}\n\n"


def view_for(caller: Identity, patterns: tuple[str, ...] | None) -> View:
    """The caller's reach (rapportkit.access): a manager's follows the directory while it streams."""
    reps = access.reach(caller)
    team_ids = frozenset(caller.team_ids) if caller.role == "manager" else frozenset()
    return View(caller.tenant_id, patterns, reps=None if reps is None else set(reps), team_ids=team_ids)


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
        frames = [f for f in (view.frame(hub.epoch, i) for i in await opened(backlog.items)) if f]
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
            batch = [sub.pending.popleft() for _ in range(min(500, len(sub.pending)))]
            frames = [f for f in (view.frame(hub.epoch, i) for i in await opened(batch)) if f]
            if frames:
                yield "".join(frames)
    finally:
        hub.unsubscribe(view.tenant_id, sub)
        clients_gauge.dec()


