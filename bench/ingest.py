"""`make bench`: where the pipeline's time goes, in one run, beside the raw Kafka producer rate.

On PostgreSQL (fresh databases) and the local broker:

1. Raw baseline: kafka-python producer, the project's settings, same-size events (bench/pipeline.py);
   and the floor: the same batches through the thinnest pipeline of the same parts, HTTP into a
   FastAPI app that produces them, a consumer that parses them, nothing else (bench/floor.py).
2. End to end: batches POSTed to the gateway until scoring has applied every event, with the rate of
   each stage from the processes' counters and the bottleneck named (bench/stages.py), and the CPU
   each process spent per event, PostgreSQL and the broker included (bench/cpu.py). Then a
   second, smaller pass with py-spy on every process (bench/profile.py; flame graphs in
   var/bench/profiles/): the profiler's sampling costs this 2-core machine about 9 % of the rate, so
   the measured pass runs without it. PostgreSQL's statements are tracked in that second pass
   (bench/pgstat.py: pg_stat_statements), the costliest printed as time per event, all of them kept
   in var/bench/profiles/postgresql.json.
3. Replay: a new consumer group rebuilds scoring from the topics (bench/replay.py).
4. Freshness under a steady background load of 500 events/s (bench/freshness.py).
5. A 50k-row LinkedIn import beside live probes and score reads (bench/imports.py).
6. Queries with 10k reps and 1M events loaded (bench/queries.py).

Then a second stack on the embedded default (SQLite) runs a smaller import beside score reads.
Peak RSS of the stack's processes is sampled throughout (bench/rss.py). The figures are printed and
written to var/bench/summary.json (bench/summary.py).

Sizes: BENCH_EVENTS (20000), BENCH_BATCH (500), BENCH_CLIENTS (2), BENCH_FRESHNESS (200),
BENCH_BACKGROUND_RATE (500), BENCH_BACKGROUND_CLIENTS (4), BENCH_IMPORT_ROWS (50000), BENCH_SQLITE_IMPORT_ROWS (15000),
BENCH_REPLAY_SECONDS (600), BENCH_QUERY_* (bench/queries.py). Ports: BENCH_PORT_BASE (18500; the
gateway on BASE-20); the broker RAPPORT_KAFKA_PORT / RAPPORT_KAFKA_CONTROLLER_PORT (19592 / 19593,
emptied at the start of each run and stopped at its end). BENCH_PROFILE=0 skips the profiled pass;
BENCH_PROFILE_EVENTS (BENCH_EVENTS / 2) is its size.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench import cpu, floor, freshness, imports, pgstat, pipeline, queries, replay, stages, summary
from bench.common import (
    BATCH,
    CLIENTS,
    EVENTS,
    FRESHNESS,
    IMPORT_ROWS,
    OUT,
    PORT_BASE,
    PROFILE,
    PROFILE_EVENTS,
    SQLITE_IMPORT_ROWS,
    event,
    percentile,
    progress,
)
from bench.profile import Profiler
from bench.rss import RssSampler
from rapportkit import jsonutil
from rapportkit.kafka import ensure_topics
from stack import infra
from stack.processes import SERVICES, Stack

# a broker of its own, emptied at each run (`make run`'s is 9092): the replay then reads what this
# run produced, the same from run to run, not every earlier run's messages too
os.environ.setdefault("RAPPORT_KAFKA_PORT", "19592")
os.environ.setdefault("RAPPORT_KAFKA_CONTROLLER_PORT", "19593")
CORE = (*SERVICES, *(f"{s}-worker" for s in SERVICES), "gateway")


def process_pids(stack: Stack) -> dict[str, int]:
    """The pid of every process of the stack that was started, by name."""
    return {name: p.popen.pid for name, p in stack.procs.items() if p.popen is not None}


def pids(stack: Stack) -> list[int]:
    return [p.popen.pid for name, p in stack.procs.items()
            if name in CORE and p.popen is not None and p.popen.poll() is None]


def base_env(bootstrap: str, token: str, data_dir: Path) -> dict[str, str]:
    return {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "RAPPORT_BOOTSTRAP_TOKEN": token,
            "RAPPORT_INTERNAL_SECRET": secrets.token_hex(32), "RAPPORT_DATA_DIR": str(data_dir),
            "RAPPORT_LOG_LEVEL": "WARNING"}


def postgres_phases(bootstrap: str, token: str, figures: summary.Figures, profiler: Profiler) -> None:
    env = base_env(bootstrap, token, OUT)
    db = f"rapport_bench_{PORT_BASE}"
    for service in (*SERVICES, "gateway", "keyring"):
        env[f"{service.upper()}_DATABASE_URL"] = infra.fresh_database(f"{db}_{service}")
    stack = Stack(env=env, log_dir=OUT / "logs", gateway_port=PORT_BASE - 20, service_base_port=PORT_BASE)
    rss = RssSampler(lambda: pids(stack))
    payload = jsonutil.dumps(event("rep-0", 0))
    try:
        progress(f"bench: starting the PostgreSQL stack (gateway :{stack.gateway_port})")
        stack.start()
        rss.start()
        progress(f"bench: raw kafka-python producer, {EVENTS} messages of {len(payload)} bytes")
        figures.raw = pipeline.raw_producer_rate(bootstrap, payload, EVENTS)
        progress(f"bench: the floor, {EVENTS} events through HTTP, Kafka and a consumer, nothing else")
        thinnest = floor.measure(stack, bootstrap, EVENTS, PORT_BASE - 30)
        figures.floor, figures.floor_cpu = thinnest.rate, {k: v / thinnest.events for k, v in thinnest.cpu.items()}
        progress(f"bench: end to end, {EVENTS} events from {CLIENTS} clients")
        alone = {"kafka": infra.kafka_pid(), "bench (clients, samplers)": os.getpid()}
        meter = cpu.CpuMeter(process_pids(stack) | alone, {"postgresql": infra.postgres_pid()})
        e2e = pipeline.end_to_end(stack, token, meter=meter)
        figures.e2e, figures.e2e_seconds = e2e.rate, e2e.seconds
        figures.stages = stages.rates(e2e.sampler.stages, e2e.events)
        figures.cpu = {name: secs / e2e.events for name, secs in e2e.cpu.items()}
        figures.cpu_busy = cpu.busy_percent(e2e.cpu, e2e.seconds, cpu.CORES)
        print("\nStage rates during the end-to-end phase (seconds from its start):", flush=True)
        print("\n".join(stages.table(e2e.sampler.stages, e2e.events)), flush=True)
        print("CPU spent during the end-to-end phase, per event:", flush=True)
        print("\n".join(cpu.table(e2e.cpu, e2e.events, e2e.seconds, cpu.CORES)) + "\n", flush=True)
        if PROFILE:
            progress(f"bench: end to end again, {PROFILE_EVENTS} events, py-spy on every process, "
                     "PostgreSQL's statements tracked")
            statements = pgstat.Statements(f"{db}_")
            tracked = statements.start()
            profiler.start(process_pids(stack))
            try:
                profiled = pipeline.end_to_end(stack, token, PROFILE_EVENTS)
            finally:
                profiler.stop()
                found = statements.stop() if tracked else []
            if tracked:
                pgstat.save(found, profiled.events, OUT / "profiles" / "postgresql.json")
            print("\n".join([f"py-spy during a second end-to-end pass ({profiled.rate:,.0f} events/s profiled):",
                             *profiler.report(), "PostgreSQL's statements during the same pass (pg_stat_statements):",
                             *(pgstat.table(found, profiled.events) if tracked else [f"  {statements.problem}"])])
                  + "\n", flush=True)
        progress("bench: replay into a new consumer group")
        r = replay.replay(stack, bootstrap, f"{db}_scoring_replay", PORT_BASE + 31)
        figures.replay = r.rate
        progress(f"  replay: {r.consumed:,} events in {r.seconds:.1f} s, {r.rate:,.0f} events/s")
        figures.replay_note = (f"{r.consumed:,} of {r.messages:,} messages in {r.seconds:.1f} s after "
                               f"{r.startup_seconds:.1f} s start-up" + ("" if r.complete else "; stopped early"))
        progress(f"bench: freshness, {FRESHNESS} single events under a background load")
        first, fresh, figures.background_rate = freshness.under_load(stack, token)
        figures.fresh, figures.fresh_hops = [p.latency for p in fresh], freshness.hops(stack, fresh)
        figures.fresh_first = first.latency
        progress(f"bench: {IMPORT_ROWS}-row LinkedIn import beside live probes and score reads")
        run = imports.run_import(stack, token, IMPORT_ROWS)
        figures.live, figures.reads_pg, figures.import_rate_pg = run.live, run.reads, run.apply_rate
        progress(f"  {run.events} events posted in {run.posted_seconds:.1f} s, applied in {run.applied_seconds:.1f} s")
        progress(f"bench: queries, loading {queries.REPS:,} reps and {queries.EVENTS:,} events into scoring")
        queries.load(env["SCORING_DATABASE_URL"], progress)
        figures.board_build_s = queries.wait_built(env["SCORING_DATABASE_URL"], progress)
        progress(f"  the scorer built today's board in {figures.board_build_s:.1f} s")
        progress(f"bench: queries, loading the network read model of {queries.EVENTS:,} events")
        queries.load_network(env["NETWORK_DATABASE_URL"], progress)
        progress("bench: queries through the gateway")
        figures.queries = queries.measure(stack.gateway_url, token)
    finally:
        rss.stop()
        stack.stop()
    figures.peak_rss_mb = rss.peak_mb


def sqlite_phase(bootstrap: str, token: str, figures: summary.Figures) -> None:
    """The embedded default (no *_DATABASE_URL): a smaller import beside score reads."""
    data_dir = OUT / "sqlite"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = base_env(bootstrap, token, data_dir)
    env.update({f"{s.upper()}_DATABASE_URL": "" for s in (*SERVICES, "gateway")})
    stack = Stack(env=env, log_dir=data_dir / "logs", gateway_port=PORT_BASE + 80, service_base_port=PORT_BASE + 100)
    rss = RssSampler(lambda: pids(stack))
    try:
        progress(f"bench: starting the SQLite stack (gateway :{stack.gateway_port}, data in {data_dir})")
        stack.start()
        rss.start()
        progress(f"bench: SQLite, {SQLITE_IMPORT_ROWS}-row LinkedIn import beside score reads")
        run = imports.run_import(stack, token, SQLITE_IMPORT_ROWS)
        figures.reads_sqlite, figures.live_sqlite, figures.import_rate_sqlite = run.reads, run.live, run.apply_rate
        progress(f"  {run.events} events posted in {run.posted_seconds:.1f} s, applied in {run.applied_seconds:.1f} s")
    finally:
        rss.stop()
        stack.stop()
    figures.peak_rss_mb_sqlite = rss.peak_mb


def main() -> int:
    started = time.perf_counter()
    progress(f"bench: starting an emptied Kafka broker (:{infra.kafka_port()}) and PostgreSQL")
    bootstrap = infra.fresh_kafka()
    try:
        infra.start_postgres()
        ensure_topics(bootstrap)
        token = f"bench-{secrets.token_hex(8)}"
        figures = summary.Figures(sizes={"events": EVENTS, "batch": BATCH, "clients": CLIENTS,
                                         "freshness_probes": FRESHNESS, "import_rows": IMPORT_ROWS,
                                         "sqlite_import_rows": SQLITE_IMPORT_ROWS, "query_reps": queries.REPS,
                                         "query_events": queries.EVENTS, "cores": cpu.CORES,
                                         "profiled_events": PROFILE_EVENTS if PROFILE else 0})
        shutil.rmtree(OUT / "profiles", ignore_errors=True)
        profiler = Profiler(OUT / "profiles")
        postgres_phases(bootstrap, token, figures, profiler)
        sqlite_phase(bootstrap, token, figures)
        path = OUT / "summary.json"
        data = summary.write(figures, path)
        print()
        print("\n".join(summary.table(data, figures, path)))
        print(f"  queries with {queries.REPS:,} reps, {queries.EVENTS:,} events loaded:")
        for name, latencies in figures.queries.items():
            print(f"    {name:<30} p50 {statistics.median(latencies) * 1000:>7.0f} ms / p99 "
                  f"{percentile(latencies, 0.99) * 1000:.0f} ms   ({len(latencies)} reads)")
        busy = figures.cpu_busy
        bound = f" — but the cores were {busy:.0f} % busy: CPU-bound" if busy >= cpu.BUSY * 100 else ""
        print("  stages (events/s): " + ", ".join(f"{k} {v:,.0f}" for k, v in figures.stages.items())
              + f"; slowest: {stages.bottleneck(figures.stages)}{bound}")
        print(f"  ({time.perf_counter() - started:.0f} s in all)")
    finally:
        infra.stop_kafka()  # the emptied broker is the bench's own: it was left running
    return 0


if __name__ == "__main__":
    sys.exit(main())
