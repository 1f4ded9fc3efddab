"""The floor: the thinnest pipeline the project's parts allow, measured in the same run as the rest.

The raw producer (bench/pipeline.py) says what kafka-python sends from one thread; an event of the
product also crosses HTTP into a Python web process and comes out of Kafka into a Python consumer.
Here the same clients post the same batches to a FastAPI app under uvicorn (as the gateway runs),
which produces each event with the project's producer settings (`rapportkit.kafka.make_producer`)
and answers 202 once the broker has acked them all; a consumer process of its own (the services'
consumer settings, `make_consumer`) reads them back and parses each one. No validation, no
database, no sealing, no scoring: what HTTP in, Kafka out and Kafka in cost on this machine, the
share of every event's CPU that no design built on these parts can shed. The clock stops when the
consumer has parsed every event, as the end-to-end phase's stops when scoring has applied them.

`python -m bench.floor consume BOOTSTRAP TOPIC COUNT_FILE` is the consumer process; the app is
bench/floor_app.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.common import BATCH, OUT, progress
from bench.cpu import CpuMeter, spent
from bench.pipeline import Clients, batches_of, scratch_topic
from rapportkit import jsonutil
from rapportkit.kafka import make_consumer
from stack import infra
from stack.processes import Stack

ROOT = Path(__file__).resolve().parents[1]
APP = "floor"  # its name in the stack: logs/floor.log


def consume(bootstrap: str, topic: str, count_file: str) -> None:
    """Read the topic in a group of its own and parse every value; the count so far is in `count_file`."""
    consumer = make_consumer(bootstrap, group_id=f"bench-floor-{uuid.uuid4().hex[:6]}", topics=[topic],
                             client_id="bench-floor-consumer")
    parsed = 0
    out = Path(count_file)
    while not consumer.assignment():  # in the group before the clock starts: the count file says so
        consumer.poll(timeout_ms=200)
    out.write_text("0")
    while True:
        before = parsed
        for records in consumer.poll(timeout_ms=200, max_records=500).values():
            for record in records:
                jsonutil.loads(record.value)
                parsed += 1
        if parsed != before:
            consumer.commit_async()
            out.write_text(str(parsed))


@dataclass
class Floor:
    events: int
    seconds: float
    cpu: dict[str, float]  # CPU seconds per process over the phase, costliest first

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def _parsed(count_file: Path) -> int:
    try:
        return int(count_file.read_text() or 0)
    except (OSError, ValueError):
        return 0


def measure(stack: Stack, bootstrap: str, events: int, port: int) -> Floor:
    """The floor's app runs beside the stack (`Stack.add`: its log, its readiness, its stop), its
    consumer as a process of its own, on a topic of the phase's own."""
    with scratch_topic(bootstrap, "bench-floor") as topic:
        return _measure(stack, bootstrap, topic, events, port)


def _measure(stack: Stack, bootstrap: str, topic: str, events: int, port: int) -> Floor:
    count_file = OUT / "floor.count"
    count_file.unlink(missing_ok=True)
    consumer: subprocess.Popen[bytes] | None = None
    try:
        with open(stack.log_dir / f"{APP}-consumer.log", "ab") as log:
            consumer = subprocess.Popen([sys.executable, "-m", "bench.floor", "consume", bootstrap, topic,
                                         str(count_file)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        stack.add(APP, "bench.floor_app:app", port, {"BENCH_FLOOR_BOOTSTRAP": bootstrap, "BENCH_FLOOR_TOPIC": topic})
        deadline = time.monotonic() + 60
        while not count_file.exists():  # the consumer has its partitions
            if consumer.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the floor's consumer did not join its group (logs/{APP}-consumer.log)")
            time.sleep(0.05)
        app = stack.procs[APP].popen
        assert app is not None
        batches = batches_of(events)
        total = len(batches) * BATCH
        clients = Clients(f"http://127.0.0.1:{port}", "floor", batches)  # the app asks no token
        meter = CpuMeter({"app (HTTP in, produce)": app.pid, "consumer (parse)": consumer.pid,
                          "kafka": infra.kafka_pid(), "bench (clients)": os.getpid()}, {})
        before = meter.read()
        started = time.perf_counter()
        clients.start()
        while _parsed(count_file) < total:
            if clients.errors or consumer.poll() is not None:
                raise RuntimeError(f"the floor pipeline failed: {clients.errors[:1] or 'its consumer exited'}")
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"the floor's consumer parsed {_parsed(count_file)} of {total} events in 300 s")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        used = spent(before, meter.read())
        clients.join()
        progress(f"  floor: {total} events in {elapsed:.1f} s")
        return Floor(total, elapsed, used)
    finally:
        if APP in stack.procs:
            stack.remove(APP)
        if consumer is not None:
            consumer.terminate()
            consumer.wait(timeout=30)


if __name__ == "__main__":
    if sys.argv[1:2] != ["consume"] or len(sys.argv) != 5:
        sys.exit("usage: python -m bench.floor consume BOOTSTRAP TOPIC COUNT_FILE")
    consume(*sys.argv[2:5])
