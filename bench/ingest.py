"""`make bench`: end-to-end ingest rate beside the raw Kafka producer rate, in one run.

1. Raw baseline: kafka-python producer (acks=all, idempotent — the project's producer settings)
   sending events of the same size to a bench topic on the same broker.
2. End to end: batches of events POSTed to the gateway by concurrent clients; the clock stops when
   the scoring worker has applied every one (its Prometheus counter), so the figure covers
   gateway → owning service + outbox → relay → Kafka → scoring consumer → read model.
3. Freshness: single events posted one at a time; time until the rep's score shows each one.
4. Queries: p50/p99 of the leaderboard and of a rep's score with 10k reps and 1M events loaded
   (bench/queries.py).

Runs on PostgreSQL (fresh databases) and the local broker. Sizes: BENCH_EVENTS (default 20000),
BENCH_BATCH (500), BENCH_CLIENTS (2), BENCH_FRESHNESS (50).
"""

from __future__ import annotations

import os
import re
import secrets
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from bench import queries
from rapportkit import jsonutil
from rapportkit.kafka import close_producer, ensure_topics, make_producer
from stack import infra
from stack.processes import SERVICES, Stack

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
BATCH = int(os.environ.get("BENCH_BATCH", "500"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))
FRESHNESS = int(os.environ.get("BENCH_FRESHNESS", "50"))
REPS = 200


def event(rep: str, n: int) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "bench", "type": "rapport.network.message.sent",
            "time": f"2026-11-{1 + n % 20:02d}T10:00:00Z", "tenantid": "demo",
            "data": {"rep_id": rep, "conversation_id": f"c-{n % 997}", "channel": "linkedin",
                     "person": {"profile_url": f"https://www.linkedin.com/in/p{n % 5000}"},
                     "text": "Thanks for the thoughtful post on procurement timelines — how does your team "
                             "handle security reviews?"}}


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def raw_producer_rate(bootstrap: str, payload: bytes, count: int) -> float:
    topic = f"rapport.bench-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1)])
    producer = make_producer(bootstrap, client_id="bench-raw")
    try:
        producer.send(topic, key=b"warm", value=payload).get(timeout=30)
        started = time.perf_counter()
        for i in range(count):
            producer.send(topic, key=f"demo:rep-{i % REPS}".encode(), value=payload)
        producer.flush()
        elapsed = time.perf_counter() - started
    finally:
        close_producer(producer)
        admin.delete_topics([topic])
        admin.close()
    return count / elapsed


def applied_count(client: httpx.Client, url: str) -> float:
    text = client.get(f"{url}/metrics").text
    return sum(float(m.group(1)) for m in re.finditer(
        r'^scoring_events_consumed_total\{outcome="applied",topic="[^"]+"\} ([0-9.e+]+)$', text, re.M))


def end_to_end_rate(stack: Stack, token: str) -> tuple[float, float]:
    worker = f"http://127.0.0.1:{stack.procs['scoring-worker'].port}"
    batches = [[event(f"rep-{(b * BATCH + i) % REPS}", b * BATCH + i) for i in range(BATCH)]
               for b in range(EVENTS // BATCH)]
    total = len(batches) * BATCH
    with httpx.Client(timeout=60) as probe:
        base = applied_count(probe, worker)
        posted = [0]
        errors: list[str] = []
        lock = threading.Lock()

        def client_loop(mine: list[list[dict[str, Any]]]) -> None:
            with httpx.Client(base_url=stack.gateway_url, timeout=120,
                              headers={"Authorization": f"Bearer {token}"}) as client:
                for batch in mine:
                    r = client.post("/v1/events", content=jsonutil.dumps(batch),
                                    headers={"Content-Type": "application/json"})
                    if r.status_code != 202:
                        errors.append(r.text[:300])
                    with lock:
                        posted[0] += len(batch)

        started = time.perf_counter()
        threads = [threading.Thread(target=client_loop, args=(batches[i::CLIENTS],)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        last_report = 0.0
        while True:
            done = applied_count(probe, worker) - base
            now = time.perf_counter() - started
            if now - last_report > 2:
                progress(f"  posted {posted[0]:>7}/{total}  applied by scoring {int(done):>7}  ({now:.0f} s)")
                last_report = now
            if done >= total or errors:
                break
            if now > 900:
                raise RuntimeError(f"scoring applied only {done} of {total} events in 900 s")
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"gateway refused batches: {errors[:3]}")
        ingest_elapsed = elapsed
    return total / ingest_elapsed, ingest_elapsed


def freshness(stack: Stack, token: str) -> list[float]:
    rep = f"fresh-{uuid.uuid4().hex[:6]}"
    latencies: list[float] = []
    with httpx.Client(base_url=stack.gateway_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        for n in range(FRESHNESS):
            ev = {**event(rep, 0), "type": "rapport.insight.profile.viewed",
                  "data": {"rep_id": rep, "person": {"profile_url": f"https://www.linkedin.com/in/f{n}"}}}
            started = time.perf_counter()
            assert c.post("/v1/events", json=ev).status_code == 202
            while True:
                r = c.get(f"/v1/reps/{rep}/score", params={"date": "2026-11-01"})
                if r.status_code == 200 and research_actions(r.json()) >= n + 1:
                    break
                if time.perf_counter() - started > 30:
                    raise RuntimeError("an event took over 30 s to reach the score")
                time.sleep(0.005)
            latencies.append(time.perf_counter() - started)
    return latencies


def research_actions(score: dict[str, Any]) -> float:
    return float(next(f["raw"] for f in score["factors"] if f["name"] == "research_actions"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    progress("bench: starting Kafka and PostgreSQL")
    bootstrap = infra.start_kafka()
    infra.start_postgres()
    ensure_topics(bootstrap)
    token = f"bench-{secrets.token_hex(8)}"
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "RAPPORT_BOOTSTRAP_TOKEN": token,
           "RAPPORT_INTERNAL_SECRET": secrets.token_hex(32), "RAPPORT_DATA_DIR": str(ROOT / "var" / "bench"),
           "RAPPORT_LOG_LEVEL": "WARNING"}
    for service in (*SERVICES, "gateway"):
        env[f"{service.upper()}_DATABASE_URL"] = infra.fresh_database(f"rapport_bench_{service}")
    stack = Stack(env=env, log_dir=ROOT / "var" / "bench" / "logs", gateway_port=18480, service_base_port=18500)
    payload = jsonutil.dumps(event("rep-0", 0))
    try:
        progress("bench: starting the stack")
        stack.start()
        progress(f"bench: raw kafka-python producer, {EVENTS} messages of {len(payload)} bytes")
        raw = raw_producer_rate(bootstrap, payload, EVENTS)
        progress(f"bench: end to end, {EVENTS} events in batches of {BATCH} from {CLIENTS} clients")
        e2e, elapsed = end_to_end_rate(stack, token)
        progress(f"bench: freshness, {FRESHNESS} single events")
        fresh = freshness(stack, token)
        progress(f"bench: queries, loading {queries.REPS:,} reps and {queries.EVENTS:,} events into scoring")
        queries.load(env["SCORING_DATABASE_URL"], progress)
        progress("bench: queries through the gateway")
        reads = queries.measure(stack.gateway_url, token)
    finally:
        stack.stop()
    print()
    print("Rapport benchmark (PostgreSQL, local Kafka 4.x KRaft, this machine:"
          f" {os.cpu_count()} cores)")
    print(f"  raw kafka-python producer      {raw:>10,.0f} msgs/s   ({EVENTS} msgs, {len(payload)} B, acks=all)")
    print(f"  end to end (gateway→scoring)   {e2e:>10,.0f} events/s ({EVENTS} events in {elapsed:.1f} s)")
    print(f"  ratio end-to-end / raw         {e2e / raw:>10.3f}")
    print(f"  freshness p50 / p99            {statistics.median(fresh) * 1000:>7.0f} ms / "
          f"{percentile(fresh, 0.99) * 1000:.0f} ms   ({len(fresh)} single events)")
    print(f"  queries with {queries.REPS:,} reps, {queries.EVENTS:,} events loaded:")
    for name, latencies in reads.items():
        print(f"    {name:<30} p50 {statistics.median(latencies) * 1000:>7.0f} ms / p99 "
              f"{percentile(latencies, 0.99) * 1000:.0f} ms   ({len(latencies)} reads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
