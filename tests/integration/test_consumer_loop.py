"""The building block's consumer loop and outbox relay against the real broker and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from sqlalchemy.orm import Session

from rapportkit import jsonutil, outbox
from rapportkit.consumer import ConsumerLoop, TransientError
from rapportkit.db import Base, make_engine, make_session_factory, unit_of_work
from rapportkit.envelope import Event
from rapportkit.inbox import InboxRow
from rapportkit.kafka import close_producer, make_producer
from rapportkit.metrics import metrics
from rapportkit.outbox import OutboxRow
from rapportkit.relay import OutboxRelay
from tests.integration.helpers import as_event, eventually, profile_viewed, read_topic


@pytest.fixture
def factory(pg_url: str) -> Iterator[object]:
    engine = make_engine(pg_url)
    tables = [OutboxRow.__table__, InboxRow.__table__]
    Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
    yield make_session_factory(engine)
    Base.metadata.drop_all(engine, tables=tables)  # type: ignore[arg-type]
    engine.dispose()


@pytest.fixture
def topic(kafka: str) -> str:
    name = f"rapport.test-{uuid.uuid4().hex[:8]}.v1"
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    admin.create_topics([NewTopic(name, 3, 1), NewTopic(f"{name}.dlq", 3, 1)])
    admin.close()
    return name


def run_loop(loop: ConsumerLoop) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def test_failing_handler_goes_to_dlq_transient_is_retried_and_the_rest_is_applied(
        kafka: str, topic: str, factory: object) -> None:
    flaky_failures = {"left": 2}

    def handler(session: Session, event: Event) -> None:
        person = event["data"]["person"]["profile_url"]
        if person.endswith("/poison/"):
            raise KeyError("no such account")
        if person.endswith("/flaky/") and flaky_failures["left"] > 0:
            flaky_failures["left"] -= 1
            raise TransientError("database briefly unavailable")
        # the handler's state change: rolled back with its transaction when anything fails
        outbox.add(session, {**event, "id": f"derived-{event['id']}"})

    def applied() -> list[str]:
        with unit_of_work(factory) as session:  # type: ignore[arg-type]
            rows = session.query(OutboxRow).order_by(OutboxRow.seq).all()
            return [jsonutil.loads(r.payload)["data"]["person"]["profile_url"].rsplit("/", 2)[1] for r in rows]

    producer = make_producer(kafka, client_id="test")
    loop = ConsumerLoop(group=f"test-{uuid.uuid4().hex[:6]}", bootstrap=kafka, topics=[topic],
                        handlers={"rapport.insight.profile.viewed": [handler]},
                        session_factory=factory,  # type: ignore[arg-type]
                        producer=producer, metrics=metrics("test"), max_retries=3, backoff_seconds=0.01)
    events = [profile_viewed("demo", "r1", person=p) for p in ("a", "poison", "flaky", "b")]
    raw = KafkaProducer(bootstrap_servers=kafka)
    for event in [*events, events[0]]:  # the last one is a redelivery of the first
        raw.send(topic, key=b"demo:r1", value=jsonutil.dumps(event))
    raw.flush()
    stop, thread = run_loop(loop)
    try:
        eventually(lambda: applied() if len(applied()) >= 3 else None, timeout=20, what="three events applied")
        dead = eventually(lambda: read_topic(kafka, f"{topic}.dlq", lambda m: True) or None, timeout=10,
                          what="the poison message in the DLQ")
    finally:
        stop.set()
        thread.join(timeout=20)
        close_producer(producer)
    assert applied() == ["a", "flaky", "b"]  # in order, the duplicate ignored, the poison skipped
    with unit_of_work(factory) as session:  # type: ignore[arg-type]
        inbox_ids = {r.event_id for r in session.query(InboxRow)}
    assert inbox_ids == {events[0]["id"], events[2]["id"], events[3]["id"]}
    assert len(dead) == 1
    assert jsonutil.loads(dead[0].value)["id"] == events[1]["id"]
    assert b"no such account" in dict(dead[0].headers)["rapport-error"]
    assert dict(dead[0].headers)["rapport-original-topic"] == topic.encode()


def test_relay_publishes_pending_rows_once_and_marks_them(kafka: str, topic: str, factory: object) -> None:
    sf = factory
    events = [profile_viewed("demo", f"rep-{i}") for i in range(5)]
    with unit_of_work(sf) as session:  # type: ignore[arg-type]
        for event in events:
            assert outbox.add(session, event)
        assert not outbox.add(session, events[0])
    producer = make_producer(kafka, client_id="relay-test")
    relay = OutboxRelay(session_factory=sf, producer=producer, metrics=metrics("test"))  # type: ignore[arg-type]
    try:
        assert relay.publish_due() == 5
        assert relay.publish_due() == 0
    finally:
        close_producer(producer)
    ids = {e["id"] for e in events}
    found = read_topic(kafka, "rapport.insight.v1", lambda m: (as_event(m) or {}).get("id") in ids)
    assert sorted(jsonutil.loads(m.value)["id"] for m in found) == sorted(ids)
    with unit_of_work(sf) as session:  # type: ignore[arg-type]
        assert outbox.backlog(session) == 0
