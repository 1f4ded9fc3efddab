"""The SSE stream's contract, without Kafka: ids and resuming (`Last-Event-ID`), the `types` filter,
tenant and role scoping, heartbeats, privacy purges and a clean end at shutdown."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway import stream, stream_hub
from gateway.stream_feed import Feeder
from gateway.stream_hub import Hub, Item, View, parse_event_id, parse_types, sse, type_matches, view_for
from rapportkit import jsonutil, keyring
from rapportkit.catalog import SEALED_ATTRIBUTE
from rapportkit.envelope import new_event
from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from rapportkit.sealing import seal_events


def event(kind: str, tenant: str = "acme", **data: Any) -> dict[str, Any]:
    return new_event(type=f"rapport.{kind}", tenant_id=tenant, source="tests", data=data)


def score(rep: str, tenant: str = "acme") -> dict[str, Any]:
    return event("scoring.score.updated", tenant, rep_id=rep, date="2026-11-20", total=40,
                 pillars={"insight": 10, "connect": 10, "engage": 10, "brand": 10}, factors=[])


def raw(*events: dict[str, Any]) -> list[tuple[str, bytes]]:
    return [(e["tenantid"], jsonutil.dumps(e)) for e in events]


def frames(text: str) -> list[dict[str, str]]:
    """SSE text → events (id/event/data fields); comments dropped."""
    found = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        if "data" in fields:
            found.append(fields)
    return found


async def collect(body: AsyncIterator[str], count: int, timeout: float = 5.0) -> list[dict[str, str]]:
    """Read the stream until `count` events came (or the stream ended)."""
    text = ""

    async def read() -> None:
        nonlocal text
        async for chunk in body:
            text += chunk
            if len(frames(text)) >= count:
                return

    await asyncio.wait_for(read(), timeout)
    return frames(text)


def test_types_are_full_types_or_prefixes() -> None:
    assert parse_types(None) is None and parse_types(" ") is None
    assert parse_types("rapport.scoring.score.updated, rapport.network.") == (
        "rapport.scoring.score.updated", "rapport.network.")
    assert parse_types("rapport.scoring") == ("rapport.scoring.",)
    assert type_matches("rapport.scoring.alert.raised", ("rapport.scoring.",))
    assert not type_matches("rapport.scoringx.a", ("rapport.scoring.",))
    for bad in ("rapport.nope", "rapport.privacy.erasure.requested", "scoring.score.updated"):
        with pytest.raises(ApiError) as refused:
            parse_types(f"rapport.scoring.,{bad}")
        assert refused.value.status == 422 and refused.value.details[0]["loc"] == ["query", "types"]


def test_event_ids_are_epoch_and_sequence() -> None:
    assert parse_event_id(None) is None
    assert parse_event_id("3f9a1c2e-42") == ("3f9a1c2e", 42)
    for bad in ("42", "x-y", "3f9a-", "a b-1"):
        with pytest.raises(ApiError) as refused:
            parse_event_id(bad)
        assert refused.value.status == 422 and refused.value.details[0]["loc"] == ["header", "last-event-id"]


def test_resume_replays_what_is_buffered_after_the_id() -> None:
    hub = Hub(buffer_size=3, epoch="e1")
    view = View("acme", None)

    async def run() -> None:
        hub.publish(raw(score("r1"), score("r2")))
        assert await after_id(hub, view, ("e1", 1)) == (["e1-2"], None)
        assert await after_id(hub, view, ("e1", 2)) == ([], None)
        assert await after_id(hub, view, ("old", 7)) == (["e1-1", "e1-2"], "unknown_id")  # another process
        hub.publish(raw(score("r3"), score("r4"), score("r5")))  # 1 and 2 are evicted
        assert await after_id(hub, view, ("e1", 1)) == (["e1-3", "e1-4", "e1-5"], "evicted")
        assert await after_id(hub, view, ("e1", 2)) == (["e1-3", "e1-4", "e1-5"], None)

    asyncio.run(run())


async def after_id(hub: Hub, view: View, after: tuple[str, int]) -> tuple[list[str], str | None]:
    body = sse(hub, view, after, heartbeat=0.05)
    text = ""
    async for chunk in body:
        if chunk.startswith(": keep-alive"):
            break
        text += chunk
    await body.aclose()  # type: ignore[attr-defined]
    gap = next((jsonutil.loads(f["data"])["reason"] for f in frames(text) if f.get("event") == "gap"), None)
    return [f["id"] for f in frames(text) if "id" in f], gap


def test_live_events_reach_the_client_from_another_thread_filtered_and_scoped() -> None:
    hub = Hub(epoch="e1")

    async def run() -> list[dict[str, str]]:
        body = sse(hub, View("acme", parse_types("rapport.scoring.score.updated")), None)
        first = await body.__anext__()  # subscribed once the stream has started
        assert first.startswith(": rapport event stream e1") and "retry: " in first
        feeder = threading.Thread(target=hub.publish, args=(raw(
            score("r1", tenant="other"),  # another tenant: never sent
            event("insight.profile.viewed", rep_id="r1", person={"email": "a@b.example"}),  # filtered out
            score("r1")),))
        feeder.start()
        feeder.join()
        assert hub.clients() == 1
        got = await collect(body, 1)
        await body.aclose()  # type: ignore[attr-defined]
        assert hub.clients() == 0
        return got

    [only] = asyncio.run(run())
    sent = jsonutil.loads(only["data"])
    assert sent["type"] == "rapport.scoring.score.updated" and sent["tenantid"] == "acme"
    assert only["id"] == "e1-2"  # the tenant's own sequence: another tenant's events never show in it


def test_an_event_whose_key_lies_about_its_tenant_is_not_sent() -> None:
    hub = Hub(epoch="e1")
    hub.publish([("acme", jsonutil.dumps(score("r1", tenant="other"))), *raw(score("r2"))])

    async def run() -> list[str]:
        return (await after_id(hub, View("acme", None), ("x", 0)))[0]

    assert asyncio.run(run()) == ["e1-2"]


def test_roles_narrow_to_the_reps_in_reach() -> None:
    rep = view_for(Identity("acme", "rep", rep_id="r1"), None)
    admin = view_for(Identity("acme", "admin"), None)
    manager = view_for(Identity("acme", "manager", team_ids=("t1",), rep_ids=("r2",)), None)
    items = [Item(i, jsonutil.dumps(e)) for i, e in enumerate([
        score("r1"), score("r2"), event("insight.account.followed", rep_id="r3", company="Acme"),
        event("scoring.recommendation.issued", account_id="a1", quadrant="high_status_small_centre",
              recommendation="intensify"),
        event("directory.rep.upserted", rep_id="r3", name="Ray", team_id="t1"),  # r3 joins the manager's team
        score("r3"), event("directory.rep.upserted", rep_id="r2", name="Rae", team_id="t2"), score("r2"),
    ], start=1)]

    def seen(view: View) -> list[int]:
        return [i.seq for i in items if view.frame("e1", i)]

    assert seen(admin) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert seen(rep) == [1, 4]  # its own events and those that name no rep
    assert seen(manager) == [2, 4, 5, 6]  # follows the directory: r3 joins, r2 leaves


def test_heartbeats_and_shutdown_end_the_stream() -> None:
    hub = Hub(epoch="e1")

    async def run() -> str:
        body = sse(hub, View("acme", None), None, heartbeat=0.05)
        text = await body.__anext__()
        text += await body.__anext__()
        assert text.endswith(": keep-alive\n\n")
        asyncio.get_running_loop().call_later(0.1, hub.close)
        async for chunk in body:  # ends by itself once the hub closes
            text += chunk
        return text

    asyncio.run(run())
    assert hub.clients() == 0
    assert hub.closed


def test_a_client_too_far_behind_is_disconnected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_hub, "MAX_PENDING", 3)
    hub = Hub(epoch="e1")

    async def run() -> str:
        body = sse(hub, View("acme", None), None)
        text = await body.__anext__()
        hub.publish(raw(*(score(f"r{i}") for i in range(5))))
        async for chunk in body:
            text += chunk
        return text

    assert frames(asyncio.run(run())) == []  # ended; it resumes with Last-Event-ID


class Record:
    def __init__(self, topic: str, key: bytes | None, value: dict[str, Any] | bytes):
        self.topic, self.key = topic, key
        self.value = value if isinstance(value, bytes) else jsonutil.dumps(value)


def test_feeder_routes_by_key_and_purges_on_erasure_requests() -> None:
    hub = Hub(epoch="e1")
    feeder = Feeder(hub, bootstrap="unused:9092")
    ada = {"profile_url": "https://www.linkedin.com/in/ada/", "name": "Ada Lovelace"}
    feeder.feed([
        Record("rapport.network.v2", b"acme:r1", event("network.connection.accepted", rep_id="r1", person=ada)),
        Record("rapport.network.v2", None, event("network.connection.accepted", rep_id="r2",
                                                 person={"email": "b@c.example"})),
        Record("rapport.scoring.v2", b"acme:r1", b"not json"),
        Record("rapport.insight.v2", b"acme:a1", event("insight.note.recorded", rep_id="r1", account_id="a1",
                                                      text="Lunch with ada lovelace")),
    ])
    assert [i.seq for i in hub._rings["acme"]] == [1, 2, 3, 4]
    feeder.feed([Record("rapport.privacy.v2", b"acme:er-1", event(
        "privacy.erasure.requested", request_id="er-1", person={"profile_url": "linkedin.com/in/ADA"}))])
    assert [i.seq for i in hub._rings["acme"]] == [2, 3, 4]  # by key: the URL
    feeder.feed([Record("rapport.privacy.v2", b"acme:er-2", event(
        "privacy.erasure.requested", request_id="er-2", person={"email": "x@y.example", "name": "Ada Lovelace"}))])
    assert [i.seq for i in hub._rings["acme"]] == [2, 3]  # by name, in free text
    feeder.feed([Record("rapport.privacy.v2", b"other:er-3", event(
        "privacy.erasure.requested", tenant="other", request_id="er-3", person={"email": "b@c.example"}))])
    assert [i.seq for i in hub._rings["acme"]] == [2, 3]  # another tenant's request erases nothing here


def test_events_naming_an_erased_person_are_not_buffered_for_a_while() -> None:
    hub = Hub(epoch="e1")
    ada = {"profile_url": "https://www.linkedin.com/in/ada/"}
    hub.purge("acme", ["linkedin.com/in/ada"])
    hub.publish(raw(event("network.connection.accepted", rep_id="r1", person=ada), score("r1")))
    assert [(i.event() or {})["type"] for i in hub._rings["acme"]] == ["rapport.scoring.score.updated"]
    hub._erasing["acme"] = [(0.0, ["linkedin.com/in/ada"])]  # the grace is over
    hub.publish(raw(event("network.connection.accepted", rep_id="r1", person=ada)))
    assert len(hub._rings["acme"]) == 2 and "acme" not in hub._erasing


def test_the_route_refuses_ingest_keys_bad_parameters_and_a_stopped_stream() -> None:
    from fastapi.testclient import TestClient

    from gateway.auth import authenticate
    from rapportkit.web import create_app

    who = [Identity("acme", "ingest")]
    app = create_app(service="stream-contract", title="stream")
    app.include_router(stream.router)
    app.dependency_overrides[authenticate] = lambda: who[0]
    app.state.stream_hub = Hub(epoch="e1")
    with TestClient(app) as client:
        assert client.get("/v1/stream").status_code == 403
        who[0] = Identity("acme", "rep", rep_id="r1")
        bad = client.get("/v1/stream", params={"types": "rapport.privacy."})
        assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == ["query", "types"]
        assert client.get("/v1/stream", params={"last_event_id": "nope"}).status_code == 422
        app.state.stream_hub.close()
        stopped = client.get("/v1/stream")
        assert stopped.status_code == 503 and stopped.headers["retry-after"] == "5"


def test_the_feeder_buffers_events_sealed_a_client_gets_them_opened_and_a_sealed_request_purges() -> None:
    """On the topics events travel sealed (rapportkit.sealing): the buffers keep them so, and open
    them only for a client they are sent to (a tenant without one costs no keyring read); a sealed
    erasure request still purges the person from what is buffered, opened or not."""
    hub = Hub(epoch="e1")
    feeder = Feeder(hub, bootstrap="unused:9092")
    grace = {"profile_url": "https://www.linkedin.com/in/grace-stream/", "name": "Grace Stream"}
    alan = {"profile_url": "https://www.linkedin.com/in/alan-stream/", "name": "Alan Stream"}
    viewed, other, request = seal_events([
        event("insight.profile.viewed", rep_id="r1", person=grace),
        event("insight.profile.viewed", rep_id="r1", person=alan),
        event("privacy.erasure.requested", request_id="er-9", person={"profile_url": grace["profile_url"]})],
        keyring.default())
    assert b"grace" not in jsonutil.dumps(viewed).lower()
    feeder.feed([Record("rapport.insight.v2", b"acme:r1", viewed),
                 Record("rapport.insight.v2", b"acme:r2", score("r2"))])
    buffered = list(hub._rings["acme"])
    assert not any(i.opened for i in buffered) and b"grace" not in buffered[0].raw.lower()  # no client
    feeder.feed([Record("rapport.privacy.v2", b"acme:er-9", request)])
    assert [i.seq for i in hub._rings["acme"]] == [2]  # the sealed event of the person is gone
    feeder.feed([Record("rapport.insight.v2", b"acme:r1", other)])  # opened: checked, an erasure is under way

    async def run() -> list[dict[str, str]]:
        body = sse(hub, View("acme", None), ("another-epoch", 0))
        got = await collect(body, 3)  # the gap (another epoch), then the buffered events
        await body.aclose()  # type: ignore[attr-defined]
        return got

    sent = [jsonutil.loads(f["data"]) for f in asyncio.run(run()) if "id" in f]
    assert [e["type"] for e in sent] == ["rapport.scoring.score.updated", "rapport.insight.profile.viewed"]
    assert sent[1]["data"]["person"] == alan and SEALED_ATTRIBUTE not in sent[1]
