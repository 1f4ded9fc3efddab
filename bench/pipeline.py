"""The raw broker baseline and the end-to-end ingest phase.

1. Raw baseline: kafka-python producer (acks=all, idempotent — the project's producer settings)
   sending events of the same size, with the relay's headers, to a bench topic on the same broker.
2. End to end: batches of events POSTed to the gateway by concurrent clients; the clock stops when
   the scoring worker has applied every one (its Prometheus counter), so the figure covers
   gateway → owning service + outbox → relay → Kafka → scoring consumer → read model. The stage
   counters are sampled meanwhile (bench/stages.py), and the CPU each process spent over the same
   span is read at its start and its end (bench/cpu.py).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from bench.common import BATCH, CLIENTS, EVENTS, REPS, event, progress
from bench.cpu import CpuMeter, spent
from bench.stages import StageSampler
from rapportkit import jsonutil
from rapportkit.kafka import DEFAULT_PARTITIONS, close_producer, make_producer
from rapportkit.relay import LIVE_HEADERS
from stack.processes import Stack


@contextmanager
def scratch_topic(bootstrap: str, name: str) -> Iterator[str]:
    """A topic of the phase's own (`rapport.<name>-<random>`, as many partitions as the product's),
    deleted when the phase ends."""
    topic = f"rapport.{name}-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, DEFAULT_PARTITIONS, 1)])
    try:
        yield topic
    finally:
        admin.delete_topics([topic])
        admin.close()


def raw_producer_rate(bootstrap: str, payload: bytes, count: int) -> float:
    with scratch_topic(bootstrap, "bench") as topic:
        producer = make_producer(bootstrap, client_id="bench-raw")
        try:
            producer.send(topic, key=b"warm", value=payload, headers=LIVE_HEADERS).get(timeout=30)
            started = time.perf_counter()
            for i in range(count):
                producer.send(topic, key=f"demo:rep-{i % REPS}".encode(), value=payload, headers=LIVE_HEADERS)
            producer.flush()
            elapsed = time.perf_counter() - started
        finally:
            close_producer(producer)
    return count / elapsed


@dataclass
class EndToEnd:
    events: int
    seconds: float
    sampler: StageSampler
    cpu: dict[str, float]  # CPU seconds per process over the phase, costliest first (empty without a meter)

    @property
    def rate(self) -> float:
        return self.events / self.seconds


class Clients:
    """CLIENTS threads posting their share of the batches to `base_url` + /v1/events."""

    def __init__(self, base_url: str, token: str, batches: list[list[dict[str, Any]]]):
        self.base_url, self.token, self.batches = base_url, token, batches
        self.posted = 0
        self.errors: list[str] = []
        self.first_sent = float("inf")
        self.last_answer = 0.0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop, args=(batches[i::CLIENTS],)) for i in range(CLIENTS)]

    def loop(self, mine: list[list[dict[str, Any]]]) -> None:
        with httpx.Client(base_url=self.base_url, timeout=120,
                          headers={"Authorization": f"Bearer {self.token}"}) as client:
            for batch in mine:
                sent = time.perf_counter()
                try:
                    r = client.post("/v1/events", content=jsonutil.dumps(batch),
                                    headers={"Content-Type": "application/json"})
                except httpx.HTTPError as exc:  # the waiting phase sees it and stops
                    with self.lock:
                        self.errors.append(repr(exc))
                    return
                answered = time.perf_counter()
                with self.lock:
                    self.first_sent = min(self.first_sent, sent)
                    self.last_answer = max(self.last_answer, answered)
                    if r.status_code == 202:
                        self.posted += len(batch)
                    else:
                        self.errors.append(r.text[:300])

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()


def batches_of(events: int) -> list[list[dict[str, Any]]]:
    """The phase's events in BATCH-sized requests: 200 reps, 20 days of history."""
    return [[event(f"rep-{(b * BATCH + i) % REPS}", b * BATCH + i) for i in range(BATCH)]
            for b in range(max(1, events // BATCH))]


def end_to_end(stack: Stack, token: str, events: int = EVENTS, meter: CpuMeter | None = None) -> EndToEnd:
    batches = batches_of(events)
    total = len(batches) * BATCH
    sampler = StageSampler(stack, total)
    sampler.start()
    clients = Clients(stack.gateway_url, token, batches)
    cpu_before = meter.read() if meter is not None else {}
    started = time.perf_counter()
    clients.start()
    last_report = 0.0
    try:
        while True:
            done = sampler.applied()
            now = time.perf_counter() - started
            if now - last_report > 5:
                progress(f"  posted {clients.posted:>7}/{total}  applied by scoring {int(done):>7}  ({now:.0f} s)")
                last_report = now
            if done >= total or clients.errors:
                break
            if now > 900:
                raise RuntimeError(f"scoring applied only {done} of {total} events in 900 s")
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        cpu = spent(cpu_before, meter.read()) if meter is not None else {}
        clients.join()
        if clients.errors:
            raise RuntimeError(f"gateway refused batches: {clients.errors[:3]}")
        sampler.gateway_accepted(clients.posted, clients.first_sent, clients.last_answer)
        progress("  waiting for the scorer to go idle")
        sampler.wait_scorer_idle()
    finally:
        sampler.stop()
    return EndToEnd(total, elapsed, sampler, cpu)
