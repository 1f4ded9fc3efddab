"""Replay speed: a second scoring worker (its own consumer group, an empty database, relay off, as
tests/integration/test_scoring_replay.py does) rebuilds scoring from the topics; events/s from its
first consumed event until it has consumed every message that was on scoring's topics when it
started (consumed in any outcome, or dead-lettered). The topics hold every earlier bench run on
this broker too, so the replay stops after BENCH_REPLAY_SECONDS and reports the rate so far."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx
from kafka import KafkaConsumer, TopicPartition

from bench.common import REPLAY_SECONDS, progress, scrape
from rapportkit.catalog import TOPICS
from stack import infra
from stack.processes import Stack

CONSUMES = [TOPICS[d] for d in ("directory", "insight", "network", "content", "outcome", "privacy")]


@dataclass
class Replay:
    messages: int  # on the topics when the replay started
    consumed: int
    seconds: float  # from the first consumed event to the last sample
    startup_seconds: float  # from launching the worker to its first consumed event
    complete: bool

    @property
    def rate(self) -> float:
        return self.consumed / self.seconds if self.seconds > 0 else float("nan")


def messages_on(bootstrap: str, topics: list[str]) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="bench-replay-count")
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
        ends = consumer.end_offsets(partitions)
        begins = consumer.beginning_offsets(partitions)
        return sum(int(ends[tp]) - int(begins[tp]) for tp in partitions)
    finally:
        consumer.close()


def replay(stack: Stack, bootstrap: str, database: str, port: int) -> Replay:
    total = messages_on(bootstrap, CONSUMES)
    url = infra.fresh_database(database)
    env = {"SCORING_DATABASE_URL": url, "RAPPORT_CONSUMER_GROUP": f"scoring-replay-{uuid.uuid4().hex[:6]}",
           "RAPPORT_RELAY_ENABLED": "false"}
    progress(f"  {total:,} messages on scoring's topics; a replay worker in group {env['RAPPORT_CONSUMER_GROUP']}")
    stack.add("scoring-replay", "services.scoring.main:app", port, env)  # its API migrates the database
    launched = time.perf_counter()
    try:
        stack.add("scoring-replay-worker", "services.scoring.worker:app", port + 1, env)
        first: float | None = None
        consumed = 0.0
        last_report = 0.0
        with httpx.Client(timeout=10) as c:
            while True:
                now = time.perf_counter()
                value = (scrape(c, port + 1, "scoring_events_consumed_total")
                         + scrape(c, port + 1, "scoring_events_dead_lettered_total"))
                if value == value:
                    consumed = value
                if consumed > 0 and first is None:
                    first = now
                if now - last_report > 5:
                    progress(f"  replay consumed {int(consumed):,} of {total:,} ({now - launched:.0f} s)")
                    last_report = now
                if consumed >= total or now - launched > REPLAY_SECONDS:
                    break
                time.sleep(0.2)
        start = first if first is not None else launched
        return Replay(total, int(consumed), max(now - start, 1e-3), start - launched, consumed >= total)
    finally:
        stack.remove("scoring-replay-worker")
        stack.remove("scoring-replay")
        infra.drop_database(database)
