"""A whole stack on SQLite files (the embedded default) beside the session's PostgreSQL stack, on
its own ports. Its consumer groups are its own, committed at the end of every topic before its
workers start, so it neither splits the session stack's partitions nor replays the session's
earlier events. The tests that need one (the SQLite reads during an import, the erasure scan) start
it with `sqlite_stack`; a stack that cannot start fails the test."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from kafka import KafkaConsumer, TopicPartition

from stack.processes import SERVICES, Stack
from tests.integration.conftest import ARTIFACTS, DB_PREFIX

GROUPS = (*SERVICES, "gateway")  # the processes with a consumer group: the services' workers, the gateway


def start_consumer_groups_at_the_end(bootstrap: str, groups: list[str]) -> None:
    """Commit each group's offsets at the end of every topic, so the new groups start from now."""
    for group in groups:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(topic, p) for topic in consumer.topics()
                          for p in consumer.partitions_for_topic(topic) or ()]
            consumer.assign(partitions)
            consumer.seek_to_end(*partitions)
            for tp in partitions:
                consumer.position(tp)
            consumer.commit()
        finally:
            consumer.close()


@dataclass
class SqliteStack:
    stack: Stack
    data_dir: Path

    def database(self, service: str) -> Path:
        return self.data_dir / f"{service}.db"

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.stack.gateway_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@contextmanager
def sqlite_stack(kafka: str, data_dir: Path, *, name: str, gateway_port: int,
                 service_base_port: int) -> Iterator[SqliteStack]:
    """A stack on SQLite files in `data_dir`: gateway on `gateway_port`, services from `service_base_port`."""
    tag = uuid.uuid4().hex[:8]
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "RAPPORT_BOOTSTRAP_TOKEN": f"test-{secrets.token_hex(8)}",
        "RAPPORT_INTERNAL_SECRET": secrets.token_hex(32),
        "RAPPORT_DATA_DIR": str(data_dir),
        "RAPPORT_CONSUMER_BACKOFF_SECONDS": "0.05",
    }
    for service in (*GROUPS, "keyring"):  # SQLite files, whatever the environment says
        env[f"{service.upper()}_DATABASE_URL"] = f"sqlite:///{data_dir / f'{service}.db'}"
    groups = {group: f"{group}-sqlite-{tag}" for group in GROUPS}
    start_consumer_groups_at_the_end(kafka, list(groups.values()))
    proc_env = {f"{service}-worker": {"RAPPORT_CONSUMER_GROUP": groups[service]} for service in SERVICES}
    proc_env["gateway"] = {"RAPPORT_CONSUMER_GROUP": groups["gateway"]}
    stack = Stack(env=env, log_dir=ARTIFACTS / f"{DB_PREFIX}-{name}-logs", gateway_port=gateway_port,
                  service_base_port=service_base_port, proc_env=proc_env)
    try:
        stack.start()
    except RuntimeError as exc:
        stack.stop()
        pytest.fail(f"the SQLite stack did not start: {exc}")
    try:
        yield SqliteStack(stack, data_dir)
    finally:
        stack.stop()
