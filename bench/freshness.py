"""Freshness under load: single events posted one at a time for one rep while a background poster
sends BENCH_BACKGROUND_RATE (500) events/s for other reps; the time until the rep's score shows
each one (BENCH_FRESHNESS probes, for at most BENCH_FRESHNESS_SECONDS)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from bench.common import (
    BACKGROUND_CLIENTS,
    BACKGROUND_RATE,
    FRESHNESS,
    REPS,
    env_int,
    event,
    profile_view,
    progress,
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
                batch = [event(f"bg-rep-{(n + i) % REPS}", n + i) for i in range(per_tick)]
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


def probes(gateway_url: str, token: str, count: int = FRESHNESS, limit: float = PROBE_SECONDS) -> list[float]:
    """Up to `count` profile views of one fresh rep, one at a time, for at most `limit` seconds:
    seconds until each is in the score. A probe not seen within PROBE_TIMEOUT counts as that long
    (the pipeline is behind its load: the percentiles are then lower bounds)."""
    rep = f"fresh-{uuid.uuid4().hex[:6]}"
    latencies: list[float] = []
    phase = time.perf_counter()
    with httpx.Client(base_url=gateway_url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
        for n in range(count):
            if latencies and time.perf_counter() - phase > limit:
                progress(f"  stopped after {len(latencies)} probes ({limit:.0f} s)")
                break
            started = time.perf_counter()
            if c.post("/v1/events", json=profile_view(rep, n)).status_code != 202:
                raise RuntimeError("the gateway refused a freshness probe")
            try:
                latencies.append(wait_visible(c, rep, n + 1, started, timeout=PROBE_TIMEOUT))
            except RuntimeError:
                progress(f"  a probe was not in the score after {PROBE_TIMEOUT} s; counted as {PROBE_TIMEOUT} s")
                latencies.append(float(PROBE_TIMEOUT))
    return latencies


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


def under_load(stack: Stack, token: str) -> tuple[list[float], float]:
    """Freshness probes while the background load runs; returns the latencies and the load achieved.
    Waits for scoring to apply the whole load before returning (the next phase starts quiet)."""
    with httpx.Client(timeout=10) as c:
        base = applied(c, stack)
    load = BackgroundLoad(stack.gateway_url, token)
    load.start()
    try:
        time.sleep(2)  # let the load settle into the pipeline first
        latencies = probes(stack.gateway_url, token)
    finally:
        load.stop()
    if load.errors:
        raise RuntimeError(f"the gateway refused background batches: {load.errors[:3]}")
    rate = load.achieved()
    progress(f"  background load: {load.posted:,} events at {rate:,.0f} events/s")
    drain(stack, base, load.posted + len(latencies))
    return latencies, rate
