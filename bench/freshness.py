"""Freshness under load: single events posted one at a time for one rep while a background poster
sends BENCH_BACKGROUND_RATE (500) events/s for other reps; the time until the rep's score shows
each one (BENCH_FRESHNESS probes, for at most BENCH_FRESHNESS_SECONDS).

The first probe warms the probes' own path and is reported apart (`freshness_first_ms`), not among
the percentiles: the background load is of another event type (messages, the network service), so
until then the probes' service, topic and consumer code had not handled one event since the stack
started (its first statements compiled, its first produce fetching the topic's metadata). The
figures are of a running pipeline; the first event after a start is its own figure."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import psycopg

from bench.common import (
    BACKGROUND_CLIENTS,
    BACKGROUND_RATE,
    FRESHNESS,
    REPS,
    env_int,
    event,
    profile_view,
    progress,
    psycopg_url,
    scrape,
    wait_visible,
)
from rapportkit import jsonutil
from stack.processes import Stack

PROBE_TIMEOUT = env_int("BENCH_PROBE_TIMEOUT", 60)
PROBE_SECONDS = env_int("BENCH_FRESHNESS_SECONDS", 180)


@dataclass
class BackgroundLoad:
    """`rate` events/s through `POST /v1/events` from `clients` threads, each posting a batch of a
    tenth of a second of its share on schedule. A client whose answers come too slowly skips the
    schedule it missed instead of catching up in bursts: the load stays steady, and `achieved()`
    says what the gateway took."""

    gateway_url: str
    token: str
    rate: int = BACKGROUND_RATE
    clients: int = BACKGROUND_CLIENTS
    posted: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _halt: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _started: float = 0.0

    def start(self) -> None:
        self._started = time.perf_counter()
        self._threads = [threading.Thread(target=self._run, args=(k,), name=f"background-load-{k}", daemon=True)
                         for k in range(self.clients)]
        for t in self._threads:
            t.start()

    def _run(self, k: int) -> None:
        share = self.rate / self.clients
        per_tick = max(1, round(share / 10))
        n = 0
        with httpx.Client(base_url=self.gateway_url, timeout=60,
                          headers={"Authorization": f"Bearer {self.token}"}) as c:
            while not self._halt.is_set():
                batch = [event(f"bg-rep-{(n + i) % REPS}", n + i, live=True) for i in range(per_tick)]
                n += per_tick
                r = c.post("/v1/events", content=jsonutil.dumps(batch), headers={"Content-Type": "application/json"})
                with self._lock:
                    if r.status_code == 202:
                        self.posted += len(batch)
                    else:
                        self.errors.append(r.text[:200])
                ahead = self._started + n / share - time.perf_counter()
                if ahead > 0:
                    self._halt.wait(ahead)
                elif ahead < -1:
                    n = round((time.perf_counter() - self._started) * share)

    def achieved(self) -> float:
        return self.posted / max(time.perf_counter() - self._started, 1e-9)

    def stop(self) -> None:
        self._halt.set()
        for t in self._threads:
            t.join(timeout=60)


@dataclass
class Probe:
    """One freshness probe: its event id, and when (wall clock) it was posted and seen in the score."""

    event_id: str
    posted: float
    seen: float

    @property
    def latency(self) -> float:
        return self.seen - self.posted


def probes(gateway_url: str, token: str, count: int = FRESHNESS,
           limit: float = PROBE_SECONDS) -> tuple[Probe, list[Probe]]:
    """The warm-up probe, then up to `count` profile views of one fresh rep, one at a time, for at
    most `limit` seconds: when each was posted and seen in the score. A probe not seen within
    PROBE_TIMEOUT counts as that long (the pipeline is behind its load: the percentiles are then
    lower bounds)."""
    rep = f"fresh-{uuid.uuid4().hex[:6]}"
    done: list[Probe] = []
    phase = time.perf_counter()
    with httpx.Client(base_url=gateway_url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
        for n in range(count + 1):
            if len(done) > 1 and time.perf_counter() - phase > limit:
                progress(f"  stopped after {len(done) - 1} probes and the warm-up one ({limit:.0f} s)")
                break
            view = profile_view(rep, n)
            started, posted = time.perf_counter(), time.time()
            if c.post("/v1/events", json=view).status_code != 202:
                raise RuntimeError("the gateway refused a freshness probe")
            try:
                latency = wait_visible(c, rep, n + 1, started, timeout=PROBE_TIMEOUT)
            except RuntimeError:
                progress(f"  a probe was not in the score after {PROBE_TIMEOUT} s; counted as {PROBE_TIMEOUT} s")
                latency = float(PROBE_TIMEOUT)
            done.append(Probe(view["id"], posted, posted + latency))
    return done[0], done[1:]


HOPS = ("gateway + service (posted → staged)", "commit + relay (staged → published)",
        "Kafka + consumer wait (published → claimed)", "apply + read (claimed → seen)")


def hops(stack: Stack, done: list[Probe]) -> dict[str, list[float]]:
    """Where each probe's time went, from the rows the pipeline keeps: the owning service's outbox
    row (`created_at` when staged, `published_at` after the broker acknowledged it) and the scoring
    inbox row (`processed_at`, claimed when the consumer starts applying its poll). PostgreSQL only
    (the databases named in the stack's environment); same machine, so one wall clock."""
    ids = [p.event_id for p in done]
    with psycopg.connect(psycopg_url(stack.env["INSIGHT_DATABASE_URL"])) as conn:
        staged = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT event_id, created_at, published_at FROM outbox WHERE event_id = ANY(%s)", (ids,))}
    with psycopg.connect(psycopg_url(stack.env["SCORING_DATABASE_URL"])) as conn:
        claimed = {r[0]: r[1] for r in conn.execute(
            "SELECT event_id, processed_at FROM inbox WHERE event_id = ANY(%s)", (ids,))}
    out: dict[str, list[float]] = {hop: [] for hop in HOPS}
    for p in done:
        created, published = staged.get(p.event_id, (None, None))
        processed = claimed.get(p.event_id)
        if created is None or published is None or processed is None:
            continue
        marks = [p.posted, created.timestamp(), published.timestamp(), processed.timestamp(), p.seen]
        for hop, (a, b) in zip(HOPS, itertools.pairwise(marks), strict=True):
            out[hop].append(max(0.0, b - a))
    return out


def drain(stack: Stack, base: float, expected: float, timeout: float = 900) -> None:
    """Wait until scoring has applied `expected` events since its counter read `base`."""
    started = time.perf_counter()
    last = 0.0
    with httpx.Client(timeout=10) as c:
        while (done := applied(c, stack) - base) < expected:
            now = time.perf_counter() - started
            if now > timeout:
                raise RuntimeError(f"scoring applied {done:.0f} of {expected:.0f} events in {timeout:.0f} s")
            if now - last > 5:
                progress(f"  draining the load: {done:,.0f} of {expected:,.0f} applied ({now:.0f} s)")
                last = now
            time.sleep(0.5)


def applied(c: httpx.Client, stack: Stack) -> float:
    return scrape(c, stack.procs["scoring-worker"].port, "scoring_events_consumed_total",
                  lambda lb: lb.get("outcome") == "applied")


def under_load(stack: Stack, token: str) -> tuple[Probe, list[Probe], float]:
    """Freshness probes while the background load runs; returns the warm-up probe, the probes and the
    load achieved. Waits for scoring to apply the whole load before returning (the next phase starts
    quiet)."""
    with httpx.Client(timeout=10) as c:
        base = applied(c, stack)
    load = BackgroundLoad(stack.gateway_url, token)
    load.start()
    try:
        time.sleep(2)  # let the load settle into the pipeline first
        first, done = probes(stack.gateway_url, token)
    finally:
        load.stop()
    if load.errors:
        raise RuntimeError(f"the gateway refused background batches: {load.errors[:3]}")
    rate = load.achieved()
    progress(f"  background load: {load.posted:,} events at {rate:,.0f} events/s")
    drain(stack, base, load.posted + len(done) + 1)
    return first, done, rate
