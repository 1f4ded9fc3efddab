"""The bulk lane against the real broker and PostgreSQL: the relay publishes live rows before bulk
ones, lets bulk rows onto the topics only while the paced consumer group keeps up, and marks them
with the `rapport-lane: bulk` header; a group that has committed nothing is not waited for."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata
from sqlalchemy import func, select

from rapportkit import outbox
from rapportkit.db import Base, SessionFactory, make_engine, make_session_factory, unit_of_work
from rapportkit.kafka import close_producer, make_producer
from rapportkit.metrics import metrics
from rapportkit.outbox import OutboxRow
from rapportkit.pace import BulkPace
from rapportkit.relay import OutboxRelay
from tests.integration.helpers import profile_viewed, read_topic

TENANT = "lanes"


@pytest.fixture
def factory(pg_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(pg_url)
    tables = [OutboxRow.__table__]
    Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
    yield make_session_factory(engine)
    Base.metadata.drop_all(engine, tables=tables)  # type: ignore[arg-type]
    engine.dispose()


@pytest.fixture
def topic(kafka: str) -> str:
    name = f"rapport.test-lanes-{uuid.uuid4().hex[:8]}.v1"
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    admin.create_topics([NewTopic(name, 3, 1)])
    admin.close()
    return name


def stage(factory: SessionFactory, topic: str, count: int, lane: str, marker: str) -> None:
    with unit_of_work(factory) as session:
        for n in range(count):
            event = {**profile_viewed(TENANT, f"rep-{n % 7}"), "id": f"{marker}-{n}"}
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


def test_live_rows_go_first_and_bulk_rows_wait_for_the_paced_group(
        kafka: str, topic: str, factory: SessionFactory) -> None:
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
