"""Delivery guarantees through the real stack: poison messages go to the DLQ while later ones
are processed; killing service processes mid-stream loses no event and double-counts none."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
from kafka import KafkaProducer

from rapportkit import jsonutil
from stack.processes import Stack
from tests.integration.helpers import eventually, new_rep, profile_viewed, read_topic, research_actions, score_raw

DAY = "2026-11-20"


def test_poison_messages_go_to_the_dlq_and_later_ones_are_processed(stack: Stack, kafka: str) -> None:
    token = stack.env["RAPPORT_BOOTSTRAP_TOKEN"]
    rep = new_rep()
    key = f"demo:{rep}".encode()
    marker = uuid.uuid4().hex
    producer = KafkaProducer(bootstrap_servers=kafka)
    not_json = f"not json {marker}".encode()
    bad_schema = jsonutil.dumps({**profile_viewed("demo", rep), "data": {"rep_id": rep, "note": marker}})
    good = profile_viewed("demo", rep)
    for value in (not_json, bad_schema, jsonutil.dumps(good)):
        producer.send("rapport.insight.v2", key=key, value=value)
    producer.flush()
    producer.close()

    with httpx.Client(base_url=stack.gateway_url) as client:
        score = eventually(lambda: score_raw(client, rep, DAY, token), timeout=10, what="the good event applied")
    assert research_actions(score) == 1

    # every service consuming the insight topic dead-letters both poison messages once
    def poisoned() -> list[Any] | None:
        found = read_topic(kafka, "rapport.insight.v2.dlq", lambda m: marker.encode() in m.value)
        return found if len(found) >= 6 else None

    dead = eventually(poisoned, timeout=15, what="the poison messages in the DLQ")
    by_group: dict[bytes, list[Any]] = {}
    for message in dead:
        headers = dict(message.headers)
        assert headers["rapport-error"].startswith(b"invalid event")
        assert headers["rapport-original-topic"] == b"rapport.insight.v2"
        by_group.setdefault(headers["rapport-consumer-group"], []).append(message)
    assert {group: len(messages) for group, messages in by_group.items()} == {b"scoring": 2, b"network": 2,
                                                                             b"content": 2}
    reasons = sorted(dict(m.headers)["rapport-error"].decode() for m in by_group[b"scoring"])
    assert any("data.person" in r for r in reasons), reasons


def test_killing_workers_mid_stream_loses_nothing_and_double_counts_nothing(stack: Stack) -> None:
    token = stack.env["RAPPORT_BOOTSTRAP_TOKEN"]
    rep = new_rep()
    batches, per_batch = 30, 20
    errors: list[str] = []

    def post_all() -> None:
        with httpx.Client(base_url=stack.gateway_url, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as client:
            for _ in range(batches):
                batch = [profile_viewed("demo", rep, person=uuid.uuid4().hex) for _ in range(per_batch)]
                response = client.post("/v1/events", json=batch)
                if response.status_code != 202:
                    errors.append(response.text)
                time.sleep(0.05)

    poster = threading.Thread(target=post_all)
    poster.start()
    time.sleep(0.4)
    stack.kill("scoring-worker")  # the consumer dies mid-batch
    time.sleep(0.3)
    stack.kill("insight-worker")  # the relay dies with rows pending
    time.sleep(0.5)
    stack.restart("insight-worker")
    stack.restart("scoring-worker")
    poster.join()
    assert errors == []

    expected = batches * per_batch
    with httpx.Client(base_url=stack.gateway_url) as client:
        def all_counted() -> dict[str, Any] | None:
            score = score_raw(client, rep, DAY, token)
            return score if score and research_actions(score) >= expected else None

        eventually(all_counted, timeout=60, what=f"{expected} events counted")
        time.sleep(2)
        score = score_raw(client, rep, DAY, token)
    assert score is not None and research_actions(score) == expected
