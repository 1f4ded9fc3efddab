"""`GET /v1/stream` through the real stack: a score update caused by a posted event reaches an SSE
client within 5 seconds; other tenants' events never reach it; `?types=` filters; `Last-Event-ID`
resumes; the gateway stops at once with a stream open."""

from __future__ import annotations

import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from kafka import KafkaProducer

from rapportkit import jsonutil
from rapportkit.envelope import new_event
from stack.processes import Stack
from tests.integration.helpers import new_rep, profile_viewed

Event = dict[str, Any]


class SseClient:
    """Reads one stream in a thread; `events` gets each SSE event as {id, event, data (parsed)}."""

    def __init__(self, stack: Stack, *, params: dict[str, str] | None = None, last_event_id: str | None = None):
        headers = {"Authorization": f"Bearer {stack.env['RAPPORT_BOOTSTRAP_TOKEN']}"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.client = httpx.Client(base_url=stack.gateway_url, headers=headers,
                                   timeout=httpx.Timeout(30, read=None))
        self.params = params or {}
        self.events: queue.Queue[Event] = queue.Queue()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.status = 0
        self.comments: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.opened.wait(15), "the stream did not open"

    def _read(self) -> None:
        try:
            with self.client.stream("GET", "/v1/stream", params=self.params) as response:
                self.status = response.status_code
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.comments.append(line)
                        self.opened.set()  # the server subscribed before its first line
                    elif line:
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
                    elif "data" in fields:
                        self.events.put({"id": fields.get("id"), "event": fields.get("event", "message"),
                                         "data": jsonutil.loads(fields["data"])})
                        fields = {}
        except (httpx.HTTPError, RuntimeError, ValueError):
            pass
        finally:
            self.opened.set()
            self.ended.set()

    def wait_for(self, match: Callable[[Event], bool], timeout: float, what: str) -> tuple[Event, list[Event]]:
        """The first event matching `match`, and every event received before it."""
        deadline = time.monotonic() + timeout
        seen: list[Event] = []
        while True:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"{what} not received within {timeout} s") from None
            if match(event):
                return event, seen
            seen.append(event)

    def drain(self, seconds: float) -> list[Event]:
        found = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                found.append(self.events.get(timeout=0.05))
            except queue.Empty:
                pass
        return found

    def close(self) -> None:
        self.client.close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SseClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def cloud(event: Event) -> Event:
    data: Event = event["data"]
    return data


def is_type(event_type: str, rep: str) -> Callable[[Event], bool]:
    return lambda e: e["event"] == "message" and cloud(e)["type"] == event_type and \
        cloud(e)["data"].get("rep_id") == rep


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_score_update_caused_by_a_posted_event_reaches_an_sse_client_within_5_seconds(
        stack: Stack, client: httpx.Client) -> None:
    rep = new_rep()
    with SseClient(stack, params={"types": "rapport.scoring.score.updated"}) as sse:
        assert sse.status == 200
        started = time.monotonic()
        assert client.post("/v1/events", json=profile_viewed("demo", rep, when=now())).status_code == 202
        event, _ = sse.wait_for(is_type("rapport.scoring.score.updated", rep), timeout=5, what="the score update")
        assert time.monotonic() - started < 5
    score = cloud(event)
    assert score["tenantid"] == "demo" and score["data"]["pillars"]["insight"] > 0
    assert event["id"] and event["id"].count("-") == 1


def test_events_of_another_tenant_are_never_sent(stack: Stack, kafka: str) -> None:
    rep, marker = new_rep(), new_rep()

    def score(tenant: str, who: str) -> bytes:
        return jsonutil.dumps(new_event(type="rapport.scoring.score.updated", tenant_id=tenant, source="tests",
                                        data={"rep_id": who, "date": "2026-11-20", "total": 1, "factors": [],
                                              "pillars": {"insight": 1, "connect": 0, "engage": 0, "brand": 0}}))

    with SseClient(stack) as sse:
        producer = KafkaProducer(bootstrap_servers=kafka)
        try:  # one partition, so the feeder reads them in this order
            for key, value in [(f"other:{rep}", score("other", rep)),
                               (f"demo:{rep}", score("other", rep)),  # a key that lies about the tenant
                               (f"demo:{marker}", score("demo", marker))]:
                producer.send("rapport.scoring.v2", key=key.encode(), value=value, partition=0).get(30)
        finally:
            producer.close()
        _, before = sse.wait_for(is_type("rapport.scoring.score.updated", marker), timeout=10, what="the marker")
        later = sse.drain(1.0)
    assert all(cloud(e)["tenantid"] == "demo" for e in before + later)
    assert not [e for e in before + later if cloud(e)["data"].get("rep_id") == rep]


def test_types_filter_keeps_full_types_and_prefixes(stack: Stack, client: httpx.Client) -> None:
    rep = new_rep()
    person = {"profile_url": f"https://www.linkedin.com/in/{rep}"}
    connection = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "time": now(),
                  "type": "rapport.network.connection.requested", "tenantid": "demo",
                  "data": {"rep_id": rep, "person": person, "direction": "outbound"}}
    with SseClient(stack) as everything, \
            SseClient(stack, params={"types": "rapport.network.,rapport.scoring.alert.raised"}) as filtered:
        response = client.post("/v1/events", json=[profile_viewed("demo", rep, when=now()), connection])
        assert response.status_code == 202
        wanted = {"rapport.insight.profile.viewed", "rapport.network.connection.requested",
                  "rapport.scoring.score.updated"}  # from three topics, in any order

        def last_of_three(e: Event) -> bool:
            if cloud(e)["data"].get("rep_id") == rep:
                wanted.discard(cloud(e)["type"])
            return not wanted

        everything.wait_for(last_of_three, timeout=10, what="the events of three topics")
        got, _ = filtered.wait_for(is_type("rapport.network.connection.requested", rep), timeout=5,
                                   what="the connection")
        rest = filtered.drain(0.5)
    assert cloud(got)["id"] == connection["id"]
    assert all(cloud(e)["type"].startswith(("rapport.network.", "rapport.scoring.alert.raised")) for e in rest)

    refused = client.get("/v1/stream", params={"types": "rapport.nope"})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["loc"] == ["query", "types"]


def test_reconnecting_with_last_event_id_receives_what_was_missed(stack: Stack, client: httpx.Client) -> None:
    rep = new_rep()
    viewed = "rapport.insight.profile.viewed"

    def post(n: int) -> str:
        event = profile_viewed("demo", rep, when=now(), person=f"p{n}")
        assert client.post("/v1/events", json=event).status_code == 202
        return str(event["id"])

    with SseClient(stack) as watcher:  # sees everything, to know when the gateway has the events
        with SseClient(stack, params={"types": viewed}) as first:
            id1 = post(1)
            seen, _ = first.wait_for(is_type(viewed, rep), timeout=10, what="the first event")
        assert cloud(seen)["id"] == id1
        missed = [post(2), post(3)]  # while disconnected
        for event_id in (id1, *missed):
            watcher.wait_for(lambda e, i=event_id: cloud(e).get("id") == i, timeout=10,  # type: ignore[misc]
                             what="a missed event at the gateway")

    for resume in ({"last_event_id": seen["id"]}, {"header": seen["id"]}):
        params = {"types": viewed}
        if "last_event_id" in resume:
            params["last_event_id"] = resume["last_event_id"]
        with SseClient(stack, params=params, last_event_id=resume.get("header")) as again:
            replayed = [again.wait_for(is_type(viewed, rep), timeout=5, what="a replayed event")[0]
                        for _ in missed]
            assert [cloud(e)["id"] for e in replayed] == missed
            assert not [e for e in again.drain(0.3) if cloud(e)["id"] == id1]
        ids = [int(str(e["id"]).split("-")[1]) for e in replayed]
        assert ids == sorted(ids) and ids[0] > int(str(seen["id"]).split("-")[1])

    with SseClient(stack, params={"types": viewed}, last_event_id="0-0") as unknown:
        gap, _ = unknown.wait_for(lambda e: e["event"] == "gap", timeout=5, what="the gap notice")
        assert cloud(gap) == {"reason": "unknown_id"}
        unknown.wait_for(lambda e: e["event"] == "message" and cloud(e)["id"] == id1, timeout=5,
                         what="the whole buffer")

    malformed = client.get("/v1/stream", headers={"Last-Event-ID": "not an id"})
    assert malformed.status_code == 422
    assert malformed.json()["error"]["details"][0]["loc"] == ["header", "last-event-id"]


def test_the_gateway_stops_at_once_with_a_stream_open(stack: Stack) -> None:
    """uvicorn waits for open responses before it stops; the stream ends them on SIGTERM."""
    sse = SseClient(stack)
    try:
        proc = stack.procs["gateway"].popen
        assert proc is not None and proc.poll() is None
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert time.monotonic() - started < 10, "the gateway waited for the open stream"
        assert sse.ended.wait(5)
    finally:
        sse.close()
        stack.restart("gateway")
