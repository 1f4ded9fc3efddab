"""No loss when the broker dies: the Kafka broker is SIGKILLed while the consumers work through a
burst of events and more stream in through the gateway; it stays down a while and is started again
by the project's own script. The gateway keeps accepting events during the outage (services write
them to the database and the transactional outbox, not to Kafka). In the end the scoring service
has applied every event posted before, during and after the outage exactly once (one fact per
event id), nothing was dead-lettered, and every worker's background loops (relay, consumer)
outlived the outage: in this stack nothing restarts a worker whose loop died.

The broker and the stack are the session's: the test leaves the broker running, and restarts a
worker whose loops died (after failing), so that the tests after it still have a working stack."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, text

from rapportkit.catalog import TOPICS, dlq_topic
from stack import infra
from stack.processes import SERVICES, Stack
from tests.integration.helpers import eventually, new_rep, profile_viewed, read_topic, research_actions, score_raw

DAY = "2026-11-20"
BURST = 4000  # posted before the kill: the consumers are still working through it when the broker dies
PER_BATCH = 20  # then a steady stream, through the outage and after it
OUTAGE_SECONDS = 5
WORKERS = [f"{s}-worker" for s in SERVICES]


@dataclass
class Load:
    """Profile views for one rep, posted through the gateway."""

    stack: Stack
    rep: str
    broker_down: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    posted: list[str] = field(default_factory=list)  # ids of the events the gateway accepted
    posted_while_down: int = 0
    refused: list[str] = field(default_factory=list)

    def client(self) -> httpx.Client:
        token = self.stack.env["RAPPORT_BOOTSTRAP_TOKEN"]
        return httpx.Client(base_url=self.stack.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)

    def post(self, client: httpx.Client, count: int) -> None:
        batch = [profile_viewed("demo", self.rep, person=uuid.uuid4().hex) for _ in range(count)]
        down_before = self.broker_down.is_set()
        response = client.post("/v1/events", json=batch)
        if response.status_code != 202:
            self.refused.append(f"{response.status_code} {response.text[:300]}")
            return
        self.posted.extend(e["id"] for e in batch)
        if down_before and self.broker_down.is_set():
            self.posted_while_down += count

    def stream(self) -> None:
        with self.client() as client:
            while not self.stop.is_set():
                self.post(client, PER_BATCH)
                time.sleep(0.1)


def facts_of(stack: Stack, rep: str) -> list[str]:
    """The event ids of the rep's profile-view facts in the scoring database, one per applied event."""
    engine = create_engine(stack.env["SCORING_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("select event_id from fact where tenant_id = 'demo' and rep_id = :r "
                                          "and kind = 'profile_view'"), {"r": rep}).scalars())
    finally:
        engine.dispose()


def dead_workers(stack: Stack) -> dict[str, str]:
    """Workers (and the gateway: its relay, consumers and stream feeder) whose liveness probe fails:
    one of their background loops died."""
    dead: dict[str, str] = {}
    with httpx.Client(timeout=5) as client:
        for name in [*WORKERS, "gateway"]:
            response = client.get(f"http://127.0.0.1:{stack.procs[name].port}/health")
            if response.status_code != 200:
                dead[name] = response.json().get("reason", response.text)
    return dead


def test_killing_the_broker_mid_load_loses_nothing_and_double_counts_nothing(stack: Stack, kafka: str) -> None:
    load = Load(stack, new_rep())
    with load.client() as client:
        for _ in range(BURST // 1000):
            load.post(client, 1000)
    poster = threading.Thread(target=load.stream)
    poster.start()
    try:
        eventually(lambda: facts_of(stack, load.rep) or None, timeout=30, what="scoring applying the burst")
        infra.kill_kafka()
        load.broker_down.set()
        time.sleep(OUTAGE_SECONDS)
        infra.start_kafka()  # returns once the broker listens again (after it recovered its logs)
        load.broker_down.clear()
        time.sleep(2)  # more events after the restart
        load.stop.set()
        poster.join()
        assert load.refused == [], "the gateway refused events"
        assert load.posted_while_down > 0, "no event was posted while the broker was down"

        expected = set(load.posted)

        def all_applied() -> bool | None:
            dead = dead_workers(stack)
            assert not dead, f"background loops died in the broker outage: {dead}"
            return len(facts_of(stack, load.rep)) >= len(expected) or None

        eventually(all_applied, timeout=120, interval=0.5, what=f"{len(expected)} events applied by scoring")
        time.sleep(2)  # a late redelivery would show here
        applied = facts_of(stack, load.rep)
        assert len(applied) == len(expected), f"{len(applied) - len(set(applied))} events applied twice"
        assert set(applied) == expected

        with httpx.Client(base_url=stack.gateway_url) as reader:
            score = score_raw(reader, load.rep, DAY, stack.env["RAPPORT_BOOTSTRAP_TOKEN"])
        assert score is not None and research_actions(score) == len(expected)
        for topic in TOPICS.values():
            assert read_topic(kafka, dlq_topic(topic), lambda m: load.rep.encode() in m.value) == [], dlq_topic(topic)
    finally:
        load.stop.set()
        poster.join()
        if not infra.kafka_running():
            infra.start_kafka()
        for name in dead_workers(stack):  # spare the tests after this one a stack it broke
            stack.restart(name)
