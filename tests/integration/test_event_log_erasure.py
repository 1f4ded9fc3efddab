"""Crypto-shredding of the event log (docs/privacy.md, "The event log"), through the real stack on
PostgreSQL and the real broker: a person named across every service is erased with
`POST /v1/privacy/erasure`. Once the request is complete, no message of any topic read from its
beginning (value, key, headers) and no outbox row of any service or of the gateway holds their name,
profile URL, e-mail or message text, in clear or once opened with the keyring; somebody else's
events still open. A replay of the topics into empty databases (new consumer groups) then rebuilds
the read models without any trace of them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import create_engine, inspect, text

from rapportkit import jsonutil, keyring
from rapportkit.catalog import ALL_TOPICS
from rapportkit.sealing import open_events
from stack import infra
from stack.processes import SERVICES, Stack
from tests.integration.conftest import DB_PREFIX
from tests.integration.helpers import eventually
from tests.integration.test_privacy_erasure import Person, activity

# the services whose read models are built from the topics, and the domains they read
REPLAYED = {"network": ("insight", "directory", "privacy"), "content": ("insight", "privacy"),
            "scoring": ("directory", "insight", "network", "content", "outcome", "privacy")}


def read_all(bootstrap: str) -> list[Any]:
    """Every message of every topic (and dead-letter topic), from the beginning."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partitions = [TopicPartition(t, p) for t in ALL_TOPICS for p in consumer.partitions_for_topic(t) or ()]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    end = consumer.end_offsets(partitions)
    found: list[Any] = []
    while any(consumer.position(tp) < end[tp] for tp in partitions):
        for records in consumer.poll(timeout_ms=500).values():
            found.extend(records)
    consumer.close()
    return found


def message_text(message: Any) -> str:
    headers = b" ".join(k.encode() + b"=" + (v or b"") for k, v in message.headers or ())
    return b" ".join((message.key or b"", message.value or b"", headers)).decode(errors="replace").lower()


def hits(text_: str, p: Person) -> list[str]:
    return [n for n in p.needles() if n in text_.lower()]


def opened_text(values: list[bytes]) -> list[str]:
    events = [jsonutil.loads(v) for v in values]
    return [jsonutil.dumps(e).decode().lower() for e in open_events(events, keyring.default())]


def outbox_payloads(url: str) -> list[bytes]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [bytes(r[0]) for r in conn.execute(text("select payload from outbox"))]
    finally:
        engine.dispose()


def every_row(url: str) -> str:
    """Every row of every table of a database, as text."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return "\n".join(str(row[0]) for t in tables for row in conn.execute(text(f'select t::text from "{t}" t')))
    finally:
        engine.dispose()


def test_after_erasure_no_topic_or_outbox_holds_the_person_and_a_replay_rebuilds_without_them(
        stack: Stack, client: httpx.Client, kafka: str) -> None:
    p, q = Person(), Person()  # q is somebody else, who stays
    events = {who.tag: activity(who, rep=f"rep-{who.tag}", account=f"acct-{who.tag}", content=f"post-{who.tag}")
              for who in (p, q)}
    for batch in events.values():
        response = client.post("/v1/events", json=batch)
        assert response.status_code == 202, response.text

    def on_topics() -> list[Any] | None:
        found = read_all(kafka)
        keys = {m.key for m in found}
        return found if all(f"demo:rep-{who.tag}".encode() in keys for who in (p, q)) else None

    before = eventually(on_topics, timeout=60, interval=1, what="both persons' events on the topics")
    assert not [m for m in before if hits(message_text(m), p)], "the topics never hold personal data in clear"
    assert any(hits(t, p) for t in opened_text([m.value for m in before if m.key == f"demo:rep-{p.tag}".encode()]))

    response = client.post("/v1/privacy/erasure", json={"person": p.to_erase()})
    assert response.status_code == 202, response.text
    request_id = response.json()["request_id"]
    eventually(lambda: client.get(f"/v1/privacy/erasure/{request_id}").json()["status"] == "complete" or None,
               timeout=90, interval=0.5, what="completion by every service")

    messages = read_all(kafka)
    assert len(messages) > len(before)
    leaks = [(m.topic, hits(message_text(m), p)) for m in messages if hits(message_text(m), p)]
    assert not leaks, f"messages hold the erased person in clear: {leaks[:5]}"
    opened = opened_text([m.value for m in messages if m.value and m.value.startswith(b"{")])
    assert not [t for t in opened if hits(t, p)], "an erased person's events still open"
    assert any(q.name.lower() in t for t in opened) and any(q.phrase in t for t in opened), "q's events still open"

    for name in (*SERVICES, "gateway"):
        payloads = outbox_payloads(stack.env[f"{name.upper()}_DATABASE_URL"])
        assert payloads, f"{name}: no outbox rows"
        assert not [p_ for p_ in payloads if hits(p_.decode(errors="replace"), p)], f"{name}: outbox in clear"
        assert not [t for t in opened_text(payloads) if hits(t, p)], f"{name}: outbox rows still open to them"

    replay_into_empty_databases(stack, p, q, request_id, list(events.values()))


def inbox_ids(url: str, ids: list[str]) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("select event_id from inbox where event_id = any(:ids)"), {"ids": ids})
            return set(found.scalars())
    finally:
        engine.dispose()


def replay_into_empty_databases(stack: Stack, p: Person, q: Person, request_id: str,
                                events: list[list[dict[str, Any]]]) -> None:
    """Each topic-built service replays the topics from the beginning into an empty database."""
    urls: dict[str, str] = {}
    started: list[str] = []
    base = stack.service_base_port + 40
    try:
        for i, name in enumerate(REPLAYED):
            urls[name] = infra.fresh_database(f"{DB_PREFIX}_{name}_shred_replay")
            env = {f"{name.upper()}_DATABASE_URL": urls[name], "RAPPORT_RELAY_ENABLED": "false",
                   "RAPPORT_CONSUMER_GROUP": f"{name}-shred-replay-{uuid.uuid4().hex[:6]}"}
            for proc, app, port in ((f"{name}-shred-replay", "main", base + 2 * i),
                                    (f"{name}-shred-replay-worker", "worker", base + 2 * i + 1)):
                stack.add(proc, f"services.{name}.{app}:app", port, env, wait=False)
                started.append(proc)
        stack.wait_ready(started, timeout=120)  # started together, not one after the other

        # what each original consumer applied of these persons' events, the erasure request included
        ids = {name: [e["id"] for batch in events for e in batch if e["type"].split(".")[1] in REPLAYED[name]]
               + [f"erasure-requested-{request_id}"] for name in REPLAYED}
        wanted = {name: inbox_ids(stack.env[f"{name.upper()}_DATABASE_URL"], ids[name]) for name in REPLAYED}
        assert all(f"erasure-requested-{request_id}" in w for w in wanted.values())

        def caught_up() -> bool | None:
            return all(wanted[name] <= inbox_ids(url, ids[name]) for name, url in urls.items()) or None

        eventually(caught_up, timeout=240, interval=0.5, what="the replays to reach the erasure request")
        rows = {name: every_row(url) for name, url in urls.items()}
    finally:
        for proc in started:
            stack.remove(proc)
    for name, dump in rows.items():
        assert not hits(dump, p), f"the {name} replay holds the erased person: {hits(dump, p)}"
    assert q.key in rows["network"], "the replay applied the events (q's stakeholder is there)"
    # p's stakeholder was applied under a pseudonym: its key id's, or the request's when the replayed
    # (erased) request came after it and matched that pseudonym
    assert f"erased:{request_id}" in rows["network"] or "erased:k" in rows["network"], "p applied, pseudonymised"
