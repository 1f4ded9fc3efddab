"""The building block's consumer loop and outbox relay (its lanes too) against the real broker and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapportkit import jsonutil, outbox
from rapportkit.consumer import ConsumerLoop, Handler, Message, TransientError
from rapportkit.db import Base, Listener, SessionFactory, make_engine, make_session_factory, unit_of_work
from rapportkit.envelope import Event
from rapportkit.inbox import InboxRow
from rapportkit.kafka import close_producer, make_producer
from rapportkit.metrics import metrics
from rapportkit.outbox import OutboxRow
from rapportkit.pace import BulkPace
from rapportkit.relay import OutboxRelay, message_headers
from rapportkit.sealing import opened
from tests.integration.helpers import eventually, profile_viewed, read_topic, stored


@pytest.fixture
def factory(pg_url: str) -> Iterator[SessionFactory]:
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


def run_loop(loop: ConsumerLoop | OutboxRelay) -> tuple[threading.Event, threading.Thread]:
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
            return [opened(r.payload)["data"]["person"]["profile_url"].rsplit("/", 2)[1] for r in rows]

    producer = make_producer(kafka, client_id="test")
    loop = ConsumerLoop(group=f"test-{uuid.uuid4().hex[:6]}", bootstrap=kafka, topics=[topic],
                        handlers={"rapport.insight.profile.viewed": [handler]},
                        session_factory=factory,  # type: ignore[arg-type]
                        producer=producer, metrics=metrics("test"), max_retries=3, backoff_seconds=0.01)
    events = [profile_viewed("demo", "r1", person=p) for p in ("a", "poison", "flaky", "b")]
    raw = KafkaProducer(bootstrap_servers=kafka)
    for event in [*events, events[0]]:  # the last one is a redelivery of the first
        raw.send(topic, key=b"demo:r1", value=jsonutil.dumps(event), headers=message_headers(outbox.BULK))
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
    assert dead[0].headers[:2] == message_headers(outbox.BULK), "the original headers are kept"


def views_loop(group: str, kafka: str, topic: str, factory: object, handler: Handler,
               gather_ms: int = 0) -> ConsumerLoop:
    """A loop of `group` on `topic` calling `handler` for each profile view, with no DLQ producer."""
    return ConsumerLoop(group=group, bootstrap=kafka, topics=[topic],
                        handlers={"rapport.insight.profile.viewed": [handler]},
                        session_factory=factory,  # type: ignore[arg-type]
                        producer=None, metrics=metrics("test"), gather_ms=gather_ms)


def send_views(kafka: str, topic: str, count: int, *, gap: float = 0.0) -> None:
    """`count` profile views of rep r1, each of another person, on `topic`; `gap` > 0 sends them one
    at a time, that many seconds apart."""
    raw = KafkaProducer(bootstrap_servers=kafka)
    for n in range(count):
        raw.send(topic, key=b"demo:r1", value=jsonutil.dumps(profile_viewed("demo", "r1", person=f"p{n}")))
        if gap:
            raw.flush()
            time.sleep(gap)
    raw.flush()
    raw.close()


def test_a_loop_stopped_right_after_applying_a_poll_leaves_it_committed(
        kafka: str, topic: str, factory: object) -> None:
    """The commits are asynchronous; a loop stopped right after applying a poll still leaves its
    offsets committed when it has closed, so a restarted worker does not read that poll again."""
    group, stop = f"test-{uuid.uuid4().hex[:6]}", threading.Event()
    seen: list[str] = []

    def handler(session: Session, event: Event) -> None:
        seen.append(event["id"])
        if len(seen) == 20:  # the loop stops as soon as this poll is applied
            stop.set()

    loop = views_loop(group, kafka, topic, factory, handler)
    send_views(kafka, topic, 20)
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and len(seen) == 20
    committed, ends = committed_offsets(kafka, group, topic)
    assert committed == ends, "every applied message is committed"


Offsets = dict[TopicPartition, int]


def committed_offsets(kafka: str, group: str, topic: str) -> tuple[Offsets, Offsets]:
    """The group's committed offsets and the ends of the topic's non-empty partitions."""
    probe = KafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in probe.partitions_for_topic(topic) or ()]
        ends = {tp: end for tp, end in probe.end_offsets(partitions).items() if end}
        return {tp: probe.committed(tp) for tp in ends}, ends
    finally:
        probe.close()


def test_a_running_loop_commits_a_small_poll_within_the_commit_interval(
        kafka: str, topic: str, factory: object) -> None:
    """Commits gather polls (rapportkit.consumer.Commits), yet a poll smaller than the message bound
    is committed soon by the running loop itself, not only at its stop."""
    group = f"test-{uuid.uuid4().hex[:6]}"
    seen: list[str] = []
    loop = views_loop(group, kafka, topic, factory, lambda _s, e: seen.append(e["id"]))
    send_views(kafka, topic, 3)
    stop, thread = run_loop(loop)
    try:
        eventually(lambda: len(seen) == 3 or None, timeout=60, what="the poll applied")

        def all_committed() -> Offsets | None:
            committed, ends = committed_offsets(kafka, group, topic)
            return committed if committed == ends else None

        committed = eventually(all_committed, timeout=10, interval=0.2, what="the applied poll committed")
        assert sum(committed.values()) == 3
        assert thread.is_alive(), "committed by the running loop"
    finally:
        stop.set()
        thread.join(timeout=30)


def test_a_gathering_loop_takes_a_trickle_in_a_few_polls_and_still_applies_a_lone_message(
        kafka: str, topic: str, factory: object) -> None:
    """`gather_ms` (the webhook dispatcher's 200): 60 messages sent 10 ms apart come in a few polls,
    not one each, and a lone message is applied once the broker's wait is over, not held for more."""
    group = f"test-{uuid.uuid4().hex[:6]}"
    seen: list[str] = []
    polls: list[int] = []
    loop = views_loop(group, kafka, topic, factory, lambda _s, e: seen.append(e["id"]), gather_ms=200)
    apply_poll = loop.process

    def counted(messages: list[Message]) -> None:
        polls.append(len(messages))
        apply_poll(messages)

    loop.process = counted  # type: ignore[method-assign]
    stop, thread = run_loop(loop)
    try:
        eventually(lambda: loop.assigned.is_set() or None, timeout=60, what="the loop's partitions")
        send_views(kafka, topic, 60, gap=0.01)
        eventually(lambda: len(seen) == 60 or None, timeout=30, what="the trickle applied")
        assert len(polls) <= 12, f"60 messages over ~0.6 s in {len(polls)} polls: {polls}"
        sent = time.monotonic()
        send_views(kafka, topic, 1)
        eventually(lambda: len(seen) == 61 or None, timeout=10, interval=0.05, what="the lone message applied")
        assert time.monotonic() - sent < 5
    finally:
        stop.set()
        thread.join(timeout=30)


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
    found = read_topic(kafka, "rapport.insight.v2", lambda m: (stored(m) or {}).get("id") in ids)
    assert sorted(jsonutil.loads(m.value)["id"] for m in found) == sorted(ids)
    with unit_of_work(sf) as session:  # type: ignore[arg-type]
        assert outbox.backlog(session) == 0


LANES_TENANT = "lanes"


def stage(factory: SessionFactory, topic: str, count: int, lane: str, marker: str) -> None:
    with unit_of_work(factory) as session:
        for n in range(count):
            event = {**profile_viewed(LANES_TENANT, f"rep-{n % 7}"), "id": f"{marker}-{n}"}
            outbox.add(session, event, lane=lane)
        session.execute(OutboxRow.__table__.update().where(OutboxRow.event_id.like(f"{marker}-%"))  # type: ignore[attr-defined]
                        .values(topic=topic))


def published(factory: SessionFactory, lane: str) -> int:
    with unit_of_work(factory) as session:
        return int(session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.lane == lane, OutboxRow.state == outbox.PUBLISHED)) or 0)


def commit_group(kafka: str, group: str, topic: str, *, at_end: bool) -> None:
    """Commit the group's offsets on every partition of `topic`: at 0, or at the end."""
    consumer = KafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    ends = consumer.end_offsets(partitions) if at_end else dict.fromkeys(partitions, 0)
    consumer.commit({tp: OffsetAndMetadata(ends[tp], "", -1) for tp in partitions})
    consumer.close()


def test_a_running_relay_takes_a_stream_of_commits_in_at_most_a_pass_per_interval(
        kafka: str, topic: str, factory: SessionFactory) -> None:
    """`min_pass_seconds` (RAPPORT_RELAY_MIN_PASS_MS): 40 commits of a row each, 10 ms apart, go out
    in about a pass per interval, not a pass per commit (40 passes without it); each row once."""
    listener = Listener(factory.kw["bind"], outbox.CHANNEL)
    producer = make_producer(kafka, client_id="test-relay-interval")
    relay = OutboxRelay(session_factory=factory, producer=producer, metrics=metrics("test"), listener=listener,
                        min_pass_seconds=0.2)
    passes: list[int] = []
    publish = relay.publish_due

    def counted() -> int:
        sent = publish()
        if sent:
            passes.append(sent)
        return sent

    relay.publish_due = counted  # type: ignore[method-assign]
    stop, thread = run_loop(relay)
    try:
        started = time.monotonic()
        for n in range(40):
            stage(factory, topic, 1, outbox.LIVE, f"stream{n}")
            time.sleep(0.01)
        eventually(lambda: published(factory, outbox.LIVE) == 40 or None, timeout=30, what="every row published")
        elapsed = time.monotonic() - started
        assert sum(passes) == 40
        assert len(passes) <= elapsed / 0.2 + 2, f"{len(passes)} passes in {elapsed:.2f} s: {passes}"
    finally:
        stop.set()
        thread.join(timeout=30)
        close_producer(producer)
        listener.close()
    assert len(read_topic(kafka, topic, lambda m: True)) == 40


def test_live_rows_go_first_and_bulk_rows_wait_for_the_paced_group(
        kafka: str, topic: str, factory: SessionFactory) -> None:
    """The bulk lane: the relay publishes live rows before bulk ones, lets bulk rows onto the topics only
    while the paced consumer group keeps up, and marks them with the `rapport-lane: bulk` header; a
    group that has committed nothing is not waited for."""
    stage(factory, topic, 300, outbox.BULK, "bulk")
    stage(factory, topic, 1, outbox.LIVE, "live")  # staged after the import's rows
    group = f"lanes-{uuid.uuid4().hex[:6]}"
    commit_group(kafka, group, topic, at_end=False)
    pace = BulkPace(kafka, groups=[group], max_lag=100, refresh_seconds=0)
    producer = make_producer(kafka, client_id="test-lanes")
    relay = OutboxRelay(session_factory=factory, producer=producer, metrics=metrics("test"), pace=pace)
    try:
        assert relay.publish_due() == 101, "the live row, and as many bulk rows as the pace allows"
        assert (published(factory, outbox.LIVE), published(factory, outbox.BULK)) == (1, 100)
        assert relay.publish_due() == 0, "the group is 101 messages behind: no more bulk rows"
        commit_group(kafka, group, topic, at_end=True)
        assert relay.publish_due() == 100, "the group caught up: the next bulk rows go"
        stage(factory, topic, 1, outbox.LIVE, "live-2")
        assert relay.publish_due() == 1, "a live row goes whatever the lag"

        nobody = BulkPace(kafka, groups=[f"never-{uuid.uuid4().hex[:6]}"], max_lag=100)
        unpaced = OutboxRelay(session_factory=factory, producer=producer, metrics=metrics("test"), pace=nobody)
        assert unpaced.publish_due() == 100, "a group that has committed nothing is not waited for"
        nobody.close()
    finally:
        close_producer(producer)
        pace.close()

    messages = read_topic(kafka, topic, lambda m: True)
    lanes = {m.value.decode().split('"id":"')[1].split("-")[0]: dict(m.headers).get("rapport-lane")
             for m in messages}
    assert len(messages) == 302
    assert lanes == {"bulk": b"bulk", "live": None}, "bulk messages say so in a header; live ones carry none"
    assert {dict(m.headers)["content-type"] for m in messages} == {b"application/cloudevents+json; charset=utf-8"}
