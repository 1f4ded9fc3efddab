"""Helpers for integration tests: events, polling, reading topics."""

from __future__ import annotations

import contextlib
import io
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement

from rapportkit import jsonutil
from rapportkit.kafka import ensure_topics
from rapportkit.sealing import opened
from stack import infra

T = TypeVar("T")


def together(*calls: Callable[[], T]) -> list[T]:
    """Run the calls at the same moment, each in its own thread; what each returned. Once all have
    ended, the first exception one of them raised is raised here."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # raised in the test's thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def archive(files: dict[str, str]) -> bytes:
    """A zip archive in memory of `files` (name → text), e.g. a small LinkedIn export."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


def new_rep() -> str:
    return f"rep-{uuid.uuid4().hex[:10]}"


def profile_viewed(tenant: str, rep: str, *, when: str = "2026-11-20T10:00:00Z", person: str = "ada") -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": "rapport.insight.profile.viewed",
            "time": when, "tenantid": tenant,
            "data": {"rep_id": rep, "person": {"profile_url": f"https://www.linkedin.com/in/{person}/"}}}


def eventually(probe: Callable[[], T | None], *, timeout: float, interval: float = 0.1, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def read_topic(bootstrap: str, topic: str, match: Callable[[Any], bool], *, timeout: float = 30) -> list[Any]:
    """Every message of `topic` (from the beginning to its end when the read began) for which
    `match(message)` is true. Fails when the end is not reached within `timeout`: a partial answer
    would pass for a missing message. (Match on `stored(m)` where clear fields are enough: opening
    each message asks the keyring once per message.)"""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    end = consumer.end_offsets(partitions)
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            found.extend(r for r in records if match(r))
        if all(consumer.position(tp) >= end[tp] for tp in partitions):
            break
    else:
        consumer.close()
        raise AssertionError(f"{topic} was not read to its end within {timeout} s")
    consumer.close()
    return found


def score_raw(client: httpx.Client, rep: str, date: str, tenant_token: str) -> dict[str, Any] | None:
    r = client.get(f"/v1/reps/{rep}/score", params={"date": date}, headers={"Authorization": f"Bearer {tenant_token}"})
    return r.json() if r.status_code == 200 else None


def research_actions(score: dict[str, Any]) -> float:
    """The raw count of the insight pillar's research factor (profile views, notes, follows)."""
    return float(next(f["raw"] for f in score["factors"] if f["name"] == "research_actions"))


def stored(message: Any) -> Any:
    """The message's CloudEvent as it travels (personal fields sealed; ids, types, reps and accounts
    in clear), or None for a message that is not JSON."""
    try:
        return jsonutil.loads(message.value)
    except ValueError:
        return None


def as_event(message: Any) -> Any:
    """The message's CloudEvent, opened (rapportkit.sealing, with the stack's keyring), or None for a
    message that is not JSON (the DLQ tests write some)."""
    try:
        return opened(message.value)
    except ValueError:
        return None


@contextlib.contextmanager
def kafka_ports(port: int) -> Iterator[None]:
    """deploy/local/kafka.sh acts on the broker of these ports meanwhile."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAPPORT_KAFKA_PORT", str(port))
        patch.setenv("RAPPORT_KAFKA_CONTROLLER_PORT", str(port + 1))
        yield


@contextlib.contextmanager
def own_broker(port: int) -> Iterator[str]:
    """A broker of its own, emptied, on `port` (controller `port + 1`), stopped afterwards: for a
    second stack whose consumers must not see the session stack's events, nor it theirs."""
    with kafka_ports(port):
        try:
            bootstrap = infra.fresh_kafka()
            ensure_topics(bootstrap)
        except (infra.InfraError, RuntimeError) as exc:
            pytest.fail(f"a broker of its own could not be started on port {port}: {exc}")
    try:
        yield bootstrap
    finally:
        with kafka_ports(port):
            infra.stop_kafka()


def generic_plan(engine: Engine, statement: ClauseElement) -> dict[str, Any]:
    """EXPLAIN of `statement` prepared on the server and planned generically (parameters unknown): the
    plan PostgreSQL settles on for a statement psycopg prepared (it prepares one run five times)."""
    compiled = statement.compile(dialect=engine.dialect)
    names: list[str] = []

    def positional(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"${len(names)}"

    sql = re.sub(r"%\((\w+)\)s", positional, compiled.string)
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE the_plan AS {sql}")
        args = ", ".join(["%s"] * len(names))
        row = conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE the_plan({args})",
                           [compiled.params[n] for n in names]).fetchone()
    assert row is not None
    plan = row[0] if isinstance(row[0], list) else jsonutil.loads(row[0])
    return dict(plan[0]["Plan"])


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The nodes of an EXPLAIN plan, depth first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)
