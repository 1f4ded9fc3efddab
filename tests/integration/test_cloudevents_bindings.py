"""The CloudEvents bindings through the real stack, with the official `cloudevents` SDK on the other
side: events sent in the HTTP binding's binary, structured and batch content modes (and with null
attributes) are accepted and reach the scores and the topic; what the project publishes reads back
as a structured-mode event through the SDK's Kafka conversion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from cloudevents.core.bindings import http
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from rapportkit import jsonutil
from rapportkit.sealing import opened
from stack.processes import Stack
from tests.integration.helpers import eventually, new_rep, profile_viewed, read_topic, research_actions, score_raw

DAY = "2026-11-20"
TOPIC = "rapport.insight.v2"


def sdk_event(rep: str, person: str = "ada", **extra: Any) -> CloudEvent:
    """A `profile.viewed` of `rep` as an SDK CloudEvent (attributes, data)."""
    event = profile_viewed("demo", rep, person=person)
    data = event.pop("data")
    event.update(time=datetime(2026, 11, 20, 10, tzinfo=UTC), datacontenttype="application/json", **extra)
    return CloudEvent(event, data)


def post(client: httpx.Client, message: http.HTTPMessage) -> httpx.Response:
    response: httpx.Response = client.post("/v1/events", content=message.body, headers=message.headers)
    return response


def counted(stack: Stack, client: httpx.Client, rep: str, expected: int) -> None:
    """The scoring read model counts `expected` research actions of the rep."""
    token = stack.env["RAPPORT_BOOTSTRAP_TOKEN"]

    def reached() -> float | None:
        score = score_raw(client, rep, DAY, token)
        return research_actions(score) if score and research_actions(score) == expected else None

    eventually(reached, timeout=10, what=f"{expected} research actions of {rep} scored")


def published(kafka_bootstrap: str, rep: str) -> list[Any]:
    return read_topic(kafka_bootstrap, TOPIC, lambda m: m.key == f"demo:{rep}".encode())


def test_binary_mode_from_the_sdk(stack: Stack, client: httpx.Client, kafka: str) -> None:
    rep = new_rep()
    event = sdk_event(rep, subject="Ada Lovelace, 100%")
    message = http.to_binary_event(event)
    assert message.headers["ce-type"] == "rapport.insight.profile.viewed"
    assert message.headers["content-type"] == "application/json"
    response = post(client, message)
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0}
    counted(stack, client, rep, 1)
    [on_topic] = published(kafka, rep)
    assert b"Ada Lovelace" not in on_topic.value and b"linkedin.com/in/ada" not in on_topic.value  # sealed
    value = opened(on_topic.value)
    assert value["id"] == event.get_id() and value["subject"] == "Ada Lovelace, 100%"
    assert value["data"] == event.get_data()


def test_binary_mode_errors_name_the_header(stack: Stack, client: httpx.Client) -> None:
    message = http.to_binary_event(sdk_event(new_rep()))
    headers = {k: v for k, v in message.headers.items() if k != "ce-type"}
    response = client.post("/v1/events", content=message.body, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0] == {"loc": ["header", "ce-type"], "msg": "field required"}


def test_structured_mode_from_the_sdk(stack: Stack, client: httpx.Client, kafka: str) -> None:
    rep = new_rep()
    event = sdk_event(rep)
    message = http.to_structured_event(event)
    assert message.headers["content-type"] == "application/cloudevents+json"
    assert post(client, message).json() == {"accepted": 1, "duplicates": 0}
    assert post(client, message).json() == {"accepted": 0, "duplicates": 1}, "idempotent by id"
    counted(stack, client, rep, 1)
    assert [jsonutil.loads(m.value)["id"] for m in published(kafka, rep)] == [event.get_id()]


def test_batch_mode_of_sdk_events(stack: Stack, client: httpx.Client, kafka: str) -> None:
    rep = new_rep()
    events = [sdk_event(rep, person=p) for p in ("ada", "grace", "alan")]
    body = b"[" + b",".join(JSONFormat().write(e) for e in events) + b"]"
    response = client.post("/v1/events", content=body, headers={"Content-Type": "application/cloudevents-batch+json"})
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 3, "duplicates": 0}
    counted(stack, client, rep, 3)
    assert sorted(jsonutil.loads(m.value)["id"] for m in published(kafka, rep)) == sorted(e.get_id() for e in events)


def test_null_attributes_are_absent(stack: Stack, client: httpx.Client, kafka: str) -> None:
    """JSON event format 1.0.2 section 2.2. The SDK writes a null extension attribute as `null`; a
    null `subject` (which other SDKs write) is added to its JSON by hand."""
    rep = new_rep()
    message = http.to_structured_event(sdk_event(rep, traceparent=None, comexampleext=None))
    assert b'"traceparent": null' in message.body
    body = {**jsonutil.loads(message.body), "subject": None}
    response = client.post("/v1/events", content=jsonutil.dumps(body), headers=message.headers)
    assert response.status_code == 202, response.text
    counted(stack, client, rep, 1)
    [on_topic] = published(kafka, rep)
    value = opened(on_topic.value)
    assert value["id"] == body["id"]
    assert not {"subject", "traceparent", "comexampleext"} & set(value) and None not in value.values()


def test_published_messages_read_back_with_the_sdk_kafka_conversion(
        stack: Stack, client: httpx.Client, kafka: str) -> None:
    """Kafka protocol binding 1.0.2: the project's messages are in structured mode, say so in their
    `content-type` header, and the SDK turns them back into the event (the key as `partitionkey`)."""
    rep = new_rep()
    sent = profile_viewed("demo", rep)
    assert client.post("/v1/events", json=sent).status_code == 202
    [record] = eventually(lambda: published(kafka, rep) or None, timeout=10, what="the event on the topic")
    headers = dict(record.headers)
    assert headers["content-type"] == b"application/cloudevents+json; charset=utf-8"
    assert not any(name.startswith("ce_") for name in headers), "structured mode: no binary-mode attributes"
    message = ce_kafka.KafkaMessage(headers=headers, key=record.key, value=record.value)
    for read in (ce_kafka.from_kafka_event, ce_kafka.from_structured_event):
        event = read(message)
        assert event.get_id() == sent["id"] and event.get_type() == "rapport.insight.profile.viewed"
        assert event.get_source() == "tests" and event.get_extension("tenantid") == "demo"
        assert event.get_time() == datetime(2026, 11, 20, 10, tzinfo=UTC)
        assert event.get_data() == {"rep_id": rep}  # the person travels sealed, in an extension attribute
        assert opened(jsonutil.dumps({**event.get_attributes(), "data": event.get_data()}))["data"] == sent["data"]
        assert event.get_extension("partitionkey") == f"demo:{rep}"
