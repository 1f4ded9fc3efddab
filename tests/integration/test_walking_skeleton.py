"""The walking skeleton through the real stack: gateway → owning service (+ outbox) → Kafka →
scoring → score read, on PostgreSQL and the real broker."""

from __future__ import annotations

import time

import httpx
import pytest

from stack.processes import Stack
from tests.integration.helpers import (
    as_event,
    eventually,
    new_rep,
    profile_viewed,
    read_topic,
    research_actions,
    score_raw,
)

DAY = "2026-11-20"


def token(stack: Stack) -> str:
    return stack.env["RAPPORT_BOOTSTRAP_TOKEN"]


def test_posted_event_reaches_kafka_and_the_score(stack: Stack, client: httpx.Client, kafka: str) -> None:
    rep = new_rep()
    event = profile_viewed("demo", rep)
    started = time.monotonic()
    response = client.post("/v1/events", json=event)
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "duplicates": 0}

    score = eventually(lambda: score_raw(client, rep, DAY, token(stack)), timeout=5, what="score for the rep")
    assert time.monotonic() - started < 5
    assert score["rep_id"] == rep and research_actions(score) == 1
    assert score["pillars"]["insight"] > 0

    messages = read_topic(kafka, "rapport.insight.v2", lambda m: m.key == f"demo:{rep}".encode())
    assert len(messages) == 1
    published = as_event(messages[0])
    assert published["id"] == event["id"]
    assert published["specversion"] == "1.0" and published["tenantid"] == "demo"
    assert published["type"] == "rapport.insight.profile.viewed"
    assert published["data"]["rep_id"] == rep


def test_without_token_is_401(stack: Stack) -> None:
    with httpx.Client(base_url=stack.gateway_url) as anonymous:
        assert anonymous.post("/v1/events", json=profile_viewed("demo", "r")).status_code == 401
        assert anonymous.get("/v1/reps/r/score").status_code == 401
        wrong = anonymous.get("/v1/reps/r/score", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "unauthorized"


def test_same_event_id_twice_is_applied_once(stack: Stack, client: httpx.Client) -> None:
    rep = new_rep()
    event = profile_viewed("demo", rep)
    assert client.post("/v1/events", json=event).json() == {"accepted": 1, "duplicates": 0}
    assert client.post("/v1/events", json=[event, event]).json() == {"accepted": 0, "duplicates": 2}
    later = profile_viewed("demo", rep)
    assert client.post("/v1/events", json=later).json() == {"accepted": 1, "duplicates": 0}

    def two_counted() -> dict[str, object] | None:
        score = score_raw(client, rep, DAY, token(stack))
        return score if score and research_actions(score) == 2 else None

    eventually(two_counted, timeout=5, what="two distinct events counted")
    time.sleep(1)  # a duplicate applied late would show up as a third
    score = score_raw(client, rep, DAY, token(stack))
    assert score is not None and research_actions(score) == 2


@pytest.mark.parametrize(
    ("mutate", "loc", "status"),
    [
        (lambda e: e["data"].pop("rep_id"), [1, "data", "rep_id"], 422),
        (lambda e: e["data"].update(person={"title": "no url, e-mail or name"}), [1, "data", "person"], 422),
        (lambda e: e.pop("id"), [1, "id"], 422),
        (lambda e: e.update(time="yesterday"), [1, "time"], 422),
        (lambda e: e.update(type="rapport.insight.nope"), [1, "type"], 422),
        (lambda e: e.update(type="rapport.scoring.score.updated"), [1, "type"], 422),
        (lambda e: e.update(tenantid="other"), [1, "tenantid"], 403),
    ],
)
def test_malformed_event_names_index_and_field(client: httpx.Client, mutate: object, loc: list[object],
                                                status: int) -> None:
    good = profile_viewed("demo", new_rep())
    bad = profile_viewed("demo", new_rep())
    mutate(bad)  # type: ignore[operator]
    response = client.post("/v1/events", json=[good, bad])
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["details"][0]["loc"] == loc
    assert error["message"].startswith("[1].")
    # nothing of a refused request is accepted
    assert score_raw(client, good["data"]["rep_id"], DAY, client.headers["Authorization"][7:]) is None


def test_body_that_is_not_json_or_too_big_is_4xx(client: httpx.Client) -> None:
    assert client.post("/v1/events", content=b"{nope").status_code == 422
    assert client.post("/v1/events", json=[]).status_code == 422
    many = [profile_viewed("demo", "r") for _ in range(1001)]
    response = client.post("/v1/events", json=many)
    assert response.status_code == 413
    assert "1000" in response.json()["error"]["message"]
