"""Freshness under load: single events posted one at a time for one rep while a background poster
sends BENCH_BACKGROUND_RATE (500) events/s for other reps; the time until the rep's score shows
each one."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from bench.common import BACKGROUND_RATE, FRESHNESS, REPS, event, profile_view, wait_visible
from rapportkit import jsonutil
from stack.processes import Stack


@dataclass
class BackgroundLoad:
    """Posts `rate` events/s in batches of a tenth of a second through `POST /v1/events`."""

    gateway_url: str
    token: str
    rate: int = BACKGROUND_RATE
    posted: int = 0
    errors: list[str] = field(default_factory=list)
    _halt: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _started: float = 0.0

    def start(self) -> None:
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="background-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tick, per_tick = 0.1, max(1, round(self.rate / 10))
        n = 0
        with httpx.Client(base_url=self.gateway_url, timeout=60,
                          headers={"Authorization": f"Bearer {self.token}"}) as c:
            while not self._halt.is_set():
                batch = [event(f"bg-rep-{(n + i) % REPS}", n + i) for i in range(per_tick)]
                n += per_tick
                r = c.post("/v1/events", content=jsonutil.dumps(batch), headers={"Content-Type": "application/json"})
                if r.status_code == 202:
                    self.posted += len(batch)
                else:
                    self.errors.append(r.text[:200])
                # keep to the schedule; a slow answer is caught up by the next ticks
                ahead = self._started + n / self.rate - time.perf_counter()
                if ahead > 0:
                    self._halt.wait(min(ahead, tick))

    def achieved(self) -> float:
        return self.posted / max(time.perf_counter() - self._started, 1e-9)

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=60)


def probes(gateway_url: str, token: str, count: int = FRESHNESS) -> list[float]:
    """`count` profile views of one fresh rep, one at a time: seconds until each is in the score."""
    rep = f"fresh-{uuid.uuid4().hex[:6]}"
    latencies: list[float] = []
    with httpx.Client(base_url=gateway_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        for n in range(count):
            started = time.perf_counter()
            if c.post("/v1/events", json=profile_view(rep, n)).status_code != 202:
                raise RuntimeError("the gateway refused a freshness probe")
            latencies.append(wait_visible(c, rep, n + 1, started))
    return latencies


def under_load(stack: Stack, token: str) -> tuple[list[float], float]:
    """Freshness probes while the background load runs; returns the latencies and the load achieved."""
    load = BackgroundLoad(stack.gateway_url, token)
    load.start()
    try:
        time.sleep(2)  # let the load settle into the pipeline first
        latencies = probes(stack.gateway_url, token)
    finally:
        load.stop()
    if load.errors:
        raise RuntimeError(f"the gateway refused background batches: {load.errors[:3]}")
    return latencies, load.achieved()
