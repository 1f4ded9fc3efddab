"""Kafka clients with the project's delivery settings, and topic creation.

Producers: `acks="all"`, idempotence on, flushed and closed at shutdown (the caller's job, via
`close_producer`). Consumers: manual commits only (`enable_auto_commit=False`). Both reconnect
within a second once a broker is back (`RECONNECT`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from rapportkit.catalog import ALL_TOPICS

log = logging.getLogger(__name__)
DEFAULT_PARTITIONS = 3
# reconnect within a second of the broker coming back (kafka-python's default backoff grows to 30 s)
RECONNECT = {"reconnect_backoff_ms": 50, "reconnect_backoff_max_ms": 1000}
# topic creation's clients try 2 s at a time to reach a broker, so a stop is noticed within seconds
PROBE = {"bootstrap_timeout_ms": 2000, **RECONNECT}
T = TypeVar("T")


def make_producer(bootstrap: str, *, client_id: str) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        batch_size=256 * 1024,
        max_request_size=2 * 1024 * 1024,
        retries=2147483647,
        request_timeout_ms=30000,
        **RECONNECT,
    )


def close_producer(producer: KafkaProducer, timeout: float = 10.0) -> None:
    try:
        producer.flush(timeout=timeout)
    finally:
        producer.close(timeout=timeout)


# what a gathering consumer asks the broker for before a fetch returns early (see make_consumer)
GATHER_BYTES = 64 * 1024


def make_consumer(bootstrap: str, *, group_id: str, topics: list[str], client_id: str,
                  max_poll_records: int = 500, gather_ms: int = 0) -> KafkaConsumer:
    """A consumer of the group. `gather_ms` > 0 makes the broker hold each fetch until GATHER_BYTES
    have come or `gather_ms` has passed: fewer, larger polls for a consumer that can wait that long
    (0: a fetch returns with the first message, the latency-bound consumers' choice)."""
    gather = {"fetch_min_bytes": GATHER_BYTES, "fetch_max_wait_ms": gather_ms} if gather_ms > 0 else {}
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_poll_records,
        max_poll_interval_ms=300000,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        metadata_max_age_ms=10000,  # notice new partitions (and just-created topics) within seconds
        **gather,
        **RECONNECT,
    )
    consumer.subscribe(topics)
    return consumer


def ensure_topics(bootstrap: str, *, partitions: int = DEFAULT_PARTITIONS, wait_seconds: float = 60,
                  should_stop: Callable[[], bool] = lambda: False) -> list[str]:
    """Create every catalog topic and its DLQ twin if missing; returns the names created.

    Replication factor: RAPPORT_TOPIC_REPLICATION (default 1, the local single broker). Every wait
    (for the broker, for the partitions) asks `should_stop` at least every few seconds and raises
    InterruptedError once it is true: the launcher's Ctrl-C never waits out `wait_seconds`."""
    replication = int(os.environ.get("RAPPORT_TOPIC_REPLICATION", "1"))
    deadline = time.monotonic() + wait_seconds
    admin = _connect(bootstrap, deadline, should_stop, lambda: KafkaAdminClient(
        bootstrap_servers=bootstrap.split(","), client_id="rapport-topics", **PROBE))
    try:
        existing = set(admin.list_topics())
        missing = [t for t in ALL_TOPICS if t not in existing]
        if missing:
            try:
                admin.create_topics([NewTopic(t, partitions, replication) for t in missing])
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()
    _wait_for_partitions(bootstrap, deadline, should_stop)
    return missing


def _connect(bootstrap: str, deadline: float, should_stop: Callable[[], bool], connect: Callable[[], T]) -> T:
    """`connect()` until it reaches a broker; RuntimeError after `deadline`, InterruptedError on a stop."""
    while True:
        _check(should_stop)
        try:
            return connect()
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kafka at {bootstrap} is not reachable: {exc}") from exc
            time.sleep(0.5)


def _check(should_stop: Callable[[], bool]) -> None:
    if should_stop():
        raise InterruptedError("stopped while waiting for Kafka")


def _wait_for_partitions(bootstrap: str, deadline: float, should_stop: Callable[[], bool]) -> None:
    """Block until every topic's partitions show in the cluster metadata (a consumer that joins its
    group before that gets an empty assignment)."""
    probe = _connect(bootstrap, deadline, should_stop, lambda: KafkaConsumer(
        bootstrap_servers=bootstrap.split(","), client_id="rapport-topics", **PROBE))
    try:
        while True:
            _check(should_stop)
            try:
                probe.topics()  # refreshes the metadata
            except KafkaError as exc:  # the broker went away meanwhile: ask again until the deadline
                log.warning("topic metadata unavailable: %r", exc)
            missing = [t for t in ALL_TOPICS if not probe.partitions_for_topic(t)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"topics without partitions in the metadata: {missing}")
            time.sleep(0.2)
    finally:
        probe.close()
