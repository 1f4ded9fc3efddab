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
`bench.floor:create_app` (a uvicorn factory, configured by BENCH_FLOOR_BOOTSTRAP / BENCH_FLOOR_TOPIC).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from starlette.concurrency import run_in_threadpool

from bench.common import BATCH, OUT, progress
from bench.cpu import CpuMeter, spent
from bench.pipeline import Clients, batches_of
from rapportkit import jsonutil
from rapportkit.kafka import DEFAULT_PARTITIONS, close_producer, make_consumer, make_producer
from rapportkit.relay import LIVE_HEADERS
from stack import infra

ROOT = Path(__file__).resolve().parents[1]


def create_app() -> FastAPI:
    bootstrap, topic = os.environ["BENCH_FLOOR_BOOTSTRAP"], os.environ["BENCH_FLOOR_TOPIC"]
    producer = make_producer(bootstrap, client_id="bench-floor")
    app = FastAPI()

    @app.get("/ready")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/v1/events", status_code=202)
    async def post(request: Request) -> dict[str, int]:
        events: list[dict[str, Any]] = jsonutil.loads(await request.body())

        def send() -> None:  # in the thread pool, as the gateway forwards
            sent = [producer.send(topic, key=f"{e['tenantid']}:{e['data']['rep_id']}".encode(),
                                  value=jsonutil.dumps(e), headers=LIVE_HEADERS) for e in events]
            for future in sent:
                future.get(timeout=30)

        await run_in_threadpool(send)
        return {"accepted": len(events)}

    app.router.on_shutdown.append(lambda: close_producer(producer))
    return app


def consume(bootstrap: str, topic: str, count_file: str) -> None:
    """Read the topic in a group of its own and parse every value; the count so far is in `count_file`."""
    consumer = make_consumer(bootstrap, group_id=f"bench-floor-{uuid.uuid4().hex[:6]}", topics=[topic],
                             client_id="bench-floor-consumer")
    parsed = 0
    out = Path(count_file)
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


def measure(bootstrap: str, events: int, port: int) -> Floor:
    topic = f"rapport.bench-floor-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, DEFAULT_PARTITIONS, 1)])
    count_file = OUT / "floor.count"
    count_file.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_FLOOR_BOOTSTRAP": bootstrap, "BENCH_FLOOR_TOPIC": topic}
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    log = open(OUT / "logs" / "floor.log", "ab")  # noqa: SIM115 - kept open for the children
    app = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "bench.floor:create_app", "--host",
                            "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    consumer = subprocess.Popen([sys.executable, "-m", "bench.floor", "consume", bootstrap, topic, str(count_file)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_ready(base_url, app)
        batches = batches_of(events)
        total = len(batches) * BATCH
        clients = Clients(base_url, "floor", batches)  # the app asks no token
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
        for proc in (app, consumer):
            proc.terminate()
            proc.wait(timeout=30)
        admin.delete_topics([topic])
        admin.close()


def _wait_ready(base_url: str, app: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        if app.poll() is not None:
            raise RuntimeError(f"the floor app exited with {app.returncode} (var/bench/logs/floor.log)")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the floor app did not answer within 60 s (var/bench/logs/floor.log)")
        time.sleep(0.2)


if __name__ == "__main__":
    if sys.argv[1:2] != ["consume"] or len(sys.argv) != 5:
        sys.exit("usage: python -m bench.floor consume BOOTSTRAP TOPIC COUNT_FILE")
    consume(*sys.argv[2:5])
