"""Identity and access through the real stack: keys made with the admin API, roles, reach (the
services scoping their answers), services refusing calls that bypass the gateway, directory events
reaching the services, and the limits (a second gateway process with low limits on the same
database). The wrong-tenant and wrong-role walks over every operation of the OpenAPI are in
test_access_walks.py."""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rapportkit.identity import HEADER, Identity, sign
from stack.processes import Stack
from tests.integration.helpers import as_event, eventually, read_topic

WHEN = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT10:00:00Z")
PUBLIC = {"/openapi.json", "/docs", "/asyncapi.json"}


@dataclass
class Tenant:
    """A tenant made for this module: a team of two reps and a key of each role."""

    tenant_id: str
    s: str  # in every id and name of the tenant, so its data can be recognised anywhere
    team: str
    other_team: str
    rep: str
    teammate: str
    outsider: str
    admin: str
    manager: str
    rep_key: str
    ingest: str
    account: str
    content: str
    signal: str
    admin_key_id: str

    def h(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.admin}"}


def ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), response.text
    return response.json()


def make_tenant(client: httpx.Client, boot: dict[str, str], label: str) -> Tenant:
    s = f"{label}{uuid.uuid4().hex[:10]}"
    tenant = f"t-{s}"
    ok(client.post("/v1/admin/tenants", json={"tenant_id": tenant, "name": f"Tenant {s}"}, headers=boot))
    team, other_team = f"team-{s}", f"team2-{s}"
    for t in (team, other_team):
        ok(client.post("/v1/admin/teams", json={"team_id": t, "name": f"Team {t}", "tenant_id": tenant}, headers=boot))
    rep, teammate, outsider = f"rep-{s}", f"mate-{s}", f"out-{s}"
    for r, t in ((rep, team), (teammate, team), (outsider, other_team)):
        ok(client.post("/v1/admin/reps", json={"rep_id": r, "name": f"Name {r}", "team_id": t, "tenant_id": tenant},
                       headers=boot))

    def key(role: str, **fields: Any) -> dict[str, Any]:
        made: dict[str, Any] = ok(client.post("/v1/admin/api-keys", json={"role": role, "tenant_id": tenant, **fields},
                                              headers=boot), 201)
        return made

    admin = key("admin", name=f"admin of {s}")
    return Tenant(tenant_id=tenant, s=s, team=team, other_team=other_team, rep=rep, teammate=teammate,
                  outsider=outsider, admin=admin["key"], manager=key("manager", team_ids=[team])["key"],
                  rep_key=key("rep", rep_id=rep)["key"], ingest=key("ingest")["key"], account=f"acct-{s}",
                  content=f"post-{s}", signal=f"sig-{s}", admin_key_id=admin["key_id"])


def ev(tenant: Tenant, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{type_}",
            "time": WHEN, "tenantid": tenant.tenant_id, "data": data}


def activity(t: Tenant) -> list[dict[str, Any]]:
    """Events of several types and every domain, all naming the tenant's ids and people."""
    person = {"profile_url": f"https://www.linkedin.com/in/person-{t.s}/", "name": f"Person {t.s}"}
    return [
        ev(t, "insight.account.upserted", {"account_id": t.account, "name": f"Account {t.s}", "tier": "strategic",
                                           "industry": "software", "employees": 500}),
        ev(t, "insight.stakeholder.identified", {"stakeholder_id": f"sh-{t.s}", "account_id": t.account,
                                                 "person": person, "role": "champion", "seniority": "director"}),
        ev(t, "insight.signal.captured", {"signal_id": t.signal, "kind": "funding", "account_id": t.account,
                                          "strength": 0.8}),
        ev(t, "insight.profile.viewed", {"rep_id": t.rep, "person": person}),
        ev(t, "insight.note.recorded", {"rep_id": t.rep, "account_id": t.account, "text": f"Note {t.s}"}),
        ev(t, "network.connection.requested", {"rep_id": t.rep, "person": person, "direction": "outbound"}),
        ev(t, "network.connection.accepted", {"rep_id": t.rep, "person": person}),
        ev(t, "network.message.sent", {"rep_id": t.rep, "conversation_id": f"conv-{t.s}", "person": person,
                                       "channel": "linkedin", "text": f"Message {t.s}"}),
        ev(t, "network.meeting.booked", {"rep_id": t.rep, "meeting_id": f"meet-{t.s}", "person": person,
                                         "kind": "video"}),
        ev(t, "content.item.published", {"content_id": t.content, "kind": "post", "title": f"Title {t.s}",
                                         "topics": [f"topic-{t.s}"], "owner": t.rep}),
        ev(t, "content.item.shared", {"content_id": t.content, "rep_id": t.rep, "channel": "linkedin"}),
        ev(t, "content.engagement.recorded", {"content_id": t.content, "rep_id": t.rep, "person": person,
                                              "kind": "comment"}),
        ev(t, "content.engagement.given", {"rep_id": t.rep, "kind": "like", "link": f"https://x.test/{t.s}",
                                           "person": person}),
        ev(t, "outcome.lead.created", {"lead_id": f"lead-{t.s}", "rep_id": t.rep, "account_id": t.account,
                                       "source": "linkedin"}),
        ev(t, "outcome.opportunity.created", {"opportunity_id": f"opp-{t.s}", "rep_id": t.rep,
                                              "account_id": t.account, "amount": 1000, "stage": "discovery"}),
        ev(t, "insight.profile.viewed", {"rep_id": t.teammate, "person": person}),
        ev(t, "insight.profile.viewed", {"rep_id": t.outsider, "person": person}),
    ]


@dataclass
class World:
    a: Tenant
    b: Tenant
    boot: dict[str, str]


def until(client: httpx.Client, path: str, headers: dict[str, str], done: Callable[[httpx.Response], bool],
          timeout: float = 60) -> None:
    eventually(lambda: done(client.get(path, headers=headers)) or None, timeout=timeout, what=path)


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def world(stack: Stack, client: httpx.Client) -> World:
    boot = {"Authorization": f"Bearer {stack.env['RAPPORT_BOOTSTRAP_TOKEN']}"}
    a, b = make_tenant(client, boot, "a"), make_tenant(client, boot, "b")
    for t in (a, b):
        assert ok(client.post("/v1/events", json=activity(t), headers=t.h(t.ingest)), 202)["accepted"] == 17
    for t in (a, b):  # everything applied, read with the tenant's own admin key
        for path in (f"/v1/reps/{t.rep}/score", f"/v1/accounts/{t.account}", f"/v1/content/{t.content}",
                     f"/v1/reps/{t.rep}/network", f"/v1/accounts/{t.account}/recommendation"):
            until(client, path, t.h(), lambda r: r.status_code == 200)
        until(client, "/v1/leaderboard", t.h(), lambda r, t=t: t.s in r.text)  # type: ignore[misc]
    return World(a=a, b=b, boot=boot)


# --- the Done-when of issue 7 -------------------------------------------------------------------------


def operations(client: httpx.Client) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation of the gateway's OpenAPI."""
    spec = client.get("/openapi.json").json()
    return [(method.upper(), path, op) for path, item in spec["paths"].items() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")]


def test_no_key_is_401_on_every_route(client: httpx.Client) -> None:
    ops = [(m, p) for m, p, _ in operations(client) if p.startswith("/v1/")]
    assert len(ops) > 20
    for method, path in ops:
        url = re.sub(r"{(\w+)}", "x", path)
        for headers in ({}, {"Authorization": "Bearer rp_unknown"}):
            r = client.request(method, url, headers=headers)
            assert r.status_code == 401, (method, path, r.status_code, r.text)
            assert r.json()["error"]["code"] == "unauthorized"


def test_revoked_key_is_401(client: httpx.Client, world: World) -> None:
    a = world.a
    made = ok(client.post("/v1/admin/api-keys", json={"role": "rep", "rep_id": a.rep}, headers=a.h()), 201)
    assert client.get(f"/v1/reps/{a.rep}/score", headers=a.h(made["key"])).status_code == 200
    revoked = ok(client.delete(f"/v1/admin/api-keys/{made['key_id']}", headers=a.h()))
    assert revoked["revoked"] is True
    r = client.get(f"/v1/reps/{a.rep}/score", headers=a.h(made["key"]))
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    listed = ok(client.get("/v1/admin/api-keys", params={"include_revoked": "true"}, headers=a.h()))
    assert made["key"] not in str(listed)
    assert [k["revoked"] for k in listed["items"] if k["key_id"] == made["key_id"]] == [True]


def test_rep_key_reading_another_rep_is_403(client: httpx.Client, world: World) -> None:
    a = world.a
    for path in ("score", "score/history", "alerts", "network", "conversations", "engagement-given"):
        assert client.get(f"/v1/reps/{a.rep}/{path}", headers=a.h(a.rep_key)).status_code in (200, 404), path
        for other in (a.teammate, a.outsider):
            r = client.get(f"/v1/reps/{other}/{path}", headers=a.h(a.rep_key))
            assert r.status_code == 403, (path, r.text)
    board = ok(client.get("/v1/leaderboard", headers=a.h(a.rep_key)))
    assert [line["rep_id"] for line in board["reps"]] == [a.rep]


def test_manager_reads_its_teams_reps_only(client: httpx.Client, world: World) -> None:
    a = world.a
    assert client.get(f"/v1/reps/{a.teammate}/score", headers=a.h(a.manager)).status_code == 200
    # the network service scopes by the reach the gateway signs
    until(client, f"/v1/reps/{a.rep}/network", a.h(a.manager), lambda r: r.status_code == 200, timeout=30)
    assert client.get(f"/v1/reps/{a.outsider}/score", headers=a.h(a.manager)).status_code == 403
    board = ok(client.get("/v1/leaderboard", headers=a.h(a.manager)))
    assert sorted(line["rep_id"] for line in board["reps"]) == sorted([a.rep, a.teammate])
    assert client.get("/v1/leaderboard", params={"team_id": a.other_team}, headers=a.h(a.manager)).status_code == 403


def test_the_scoring_service_scopes_the_leaderboard_and_outcomes(client: httpx.Client, world: World) -> None:
    a = world.a
    until(client, "/v1/reports/outcomes", a.h(), lambda r: a.rep in r.text)
    until(client, "/v1/leaderboard", a.h(), lambda r: a.outsider in r.text and a.teammate in r.text)
    everyone = ok(client.get("/v1/leaderboard", headers=a.h()))
    rank = {line["rep_id"]: line["rank"] for line in everyone["reps"]}
    assert {a.rep, a.teammate, a.outsider} <= set(rank)
    mine = ok(client.get("/v1/leaderboard", headers=a.h(a.rep_key)))  # its line, ranked among everyone
    assert [(line["rep_id"], line["rank"]) for line in mine["reps"]] == [(a.rep, rank[a.rep])]
    assert mine["total_reps"] == everyone["total_reps"]
    team = ok(client.get("/v1/leaderboard", headers=a.h(a.manager)))  # its reps, ranked among themselves
    assert [line["rank"] for line in team["reps"]] == [1, 2] and team["total_reps"] == 2
    assert [line["rep_id"] for line in team["reps"]] == sorted([a.rep, a.teammate], key=lambda r: rank[r])
    first = ok(client.get("/v1/leaderboard", params={"limit": 1}, headers=a.h(a.manager)))  # limit after scoping
    assert first["reps"] == team["reps"][:1] and first["total_reps"] == 2
    r = client.get("/v1/leaderboard", params={"team_id": a.other_team}, headers=a.h(a.manager))
    assert r.status_code == 403 and r.json()["error"]["details"][0]["loc"] == ["query", "team_id"]
    assert {g["rep_id"] for g in ok(client.get("/v1/reports/outcomes", headers=a.h(a.rep_key)))["groups"]} <= {a.rep}
    by_team = ok(client.get("/v1/reports/outcomes", params={"group_by": "team"}, headers=a.h(a.manager)))
    assert {g["team_id"] for g in by_team["groups"]} == {a.team}
    r = client.get("/v1/reports/outcomes", params={"group_by": "team"}, headers=a.h(a.rep_key))
    assert r.status_code == 403 and r.json()["error"]["details"][0]["loc"] == ["query", "group_by"]


def test_ingest_key_reading_scores_is_403(client: httpx.Client, world: World) -> None:
    a = world.a
    for path in (f"/v1/reps/{a.rep}/score", f"/v1/reps/{a.rep}/score/history", "/v1/leaderboard",
                 f"/v1/accounts/{a.account}", "/v1/reports/outcomes"):
        r = client.get(path, headers=a.h(a.ingest))
        assert r.status_code == 403, path
        assert r.json()["error"]["code"] == "forbidden"


def test_events_of_another_tenant_are_403(client: httpx.Client, world: World) -> None:
    a, b = world.a, world.b
    r = client.post("/v1/events", json=[ev(b, "insight.profile.viewed", {
        "rep_id": b.rep, "person": {"profile_url": "https://www.linkedin.com/in/x/"}})], headers=a.h(a.ingest))
    assert r.status_code == 403


@pytest.mark.parametrize("service", ["insight", "network", "content", "scoring"])
def test_a_service_refuses_a_request_without_the_gateways_signed_header(stack: Stack, world: World,
                                                                        service: str) -> None:
    path = {"insight": f"/v1/accounts/{world.a.account}", "network": f"/v1/reps/{world.a.rep}/network",
            "content": f"/v1/content/{world.a.content}", "scoring": f"/v1/reps/{world.a.rep}/score"}[service]
    who = Identity(tenant_id=world.a.tenant_id, role="admin", key_id="test")
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.procs[service].port}", timeout=10) as direct:
        for headers in ({}, {"Authorization": f"Bearer {world.a.admin}"},  # a valid key means nothing there
                        {HEADER: sign(who, "another secret of 32 characters!")},
                        {HEADER: sign(who, stack.env["RAPPORT_INTERNAL_SECRET"], now=time.time() - 3600)}):
            r = direct.get(path, headers=headers)
            assert r.status_code == 401, (service, headers.keys(), r.text)
            assert world.a.s not in r.text
        # the same request signed as the gateway signs it is served
        assert direct.get(path, headers={HEADER: sign(who, stack.env["RAPPORT_INTERNAL_SECRET"])}).status_code == 200


def test_a_manager_of_thousands_of_reps_fits_in_the_signed_identity(stack: Stack, world: World) -> None:
    """The gateway signs a manager's reps into a header: 5000 ids (about 230 KB signed) are served."""
    a = world.a
    reps = (*(f"rep-{i:05d}-{'x' * 30}" for i in range(5000)), a.rep)
    who = Identity(tenant_id=a.tenant_id, role="manager", team_ids=(a.team,), rep_ids=reps, key_id="test")
    header = sign(who, stack.env["RAPPORT_INTERNAL_SECRET"])
    assert len(header) > 200_000
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.procs['network'].port}", timeout=10) as direct:
        r = direct.get(f"/v1/reps/{a.rep}/network", headers={HEADER: header})
        assert r.status_code == 200 and r.json()["rep_id"] == a.rep, r.text
        assert direct.get(f"/v1/reps/{a.outsider}/network", headers={HEADER: header}).status_code == 403


# --- tenant isolation: the walks over every operation are in test_access_walks.py ----------------------


def read_stream(client: httpx.Client, url: str, headers: dict[str, str], during: Callable[[], None],
                seconds: float = 2) -> str:
    """What a server-sent event stream sends within `seconds`, while `during()` runs."""
    received: list[str] = []
    deadline = time.monotonic() + seconds
    with client.stream("GET", url, headers=headers, timeout=httpx.Timeout(10, read=seconds)) as r:
        if r.status_code != 200:
            return r.read().decode()
        threading.Timer(0.3, during).start()
        chunks = r.iter_text()
        while time.monotonic() < deadline:
            try:
                received.append(next(chunks))
            except httpx.ReadTimeout:
                break
            except StopIteration:
                break
    return "".join(received)


def test_writes_cannot_reach_another_tenant(client: httpx.Client, world: World) -> None:
    a, b = world.a, world.b
    assert client.delete(f"/v1/admin/api-keys/{b.admin_key_id}", headers=a.h()).status_code == 404
    assert client.get("/v1/me", headers=b.h()).status_code == 200  # B's key still works
    for path, body in (("/v1/admin/teams", {"team_id": "t", "name": "T"}),
                       ("/v1/admin/reps", {"rep_id": "r", "name": "R", "team_id": b.team}),
                       ("/v1/admin/api-keys", {"role": "admin"})):
        r = client.post(path, json={**body, "tenant_id": b.tenant_id}, headers=a.h())
        assert r.status_code == 404, (path, r.text)
    assert client.post("/v1/admin/tenants", json={"tenant_id": f"x-{a.s}", "name": "X"},
                       headers=a.h()).status_code == 403


# --- the directory ------------------------------------------------------------------------------------


def test_rep_upserted_is_published_and_reaches_scoring(client: httpx.Client, world: World, kafka: str) -> None:
    a = world.a
    rep = f"new-{a.s}"
    ok(client.post("/v1/admin/reps", json={"rep_id": rep, "name": f"Newcomer {a.s}", "team_id": a.other_team},
                   headers=a.h()), 201)
    messages = eventually(lambda: read_topic(kafka, "rapport.directory.v1",
                                             lambda m: m.key == f"{a.tenant_id}:{rep}".encode(), timeout=5) or None,
                          timeout=30, what="directory.rep.upserted on rapport.directory.v1")
    event = as_event(messages[0])
    assert event["type"] == "rapport.directory.rep.upserted" and event["tenantid"] == a.tenant_id
    assert event["data"] == {"rep_id": rep, "name": f"Newcomer {a.s}", "team_id": a.other_team}
    ok(client.post("/v1/events", json=ev(a, "insight.profile.viewed", {
        "rep_id": rep, "person": {"profile_url": "https://www.linkedin.com/in/someone/"}}), headers=a.h(a.ingest)), 202)

    def named_line() -> dict[str, Any] | None:
        board = client.get("/v1/leaderboard", params={"team_id": a.other_team}, headers=a.h()).json()
        return next((line for line in board["reps"] if line["rep_id"] == rep and line["name"]), None)

    line = eventually(named_line, timeout=30, what="the rep's name and team on the leaderboard")
    assert (line["name"], line["team_id"]) == (f"Newcomer {a.s}", a.other_team)


def test_admin_validation(client: httpx.Client, world: World) -> None:
    a = world.a
    r = client.post("/v1/admin/api-keys", json={"role": "owner"}, headers=a.h())
    assert r.status_code == 422 and any("role" in d["loc"] for d in r.json()["error"]["details"])
    r = client.post("/v1/admin/api-keys", json={"role": "rep"}, headers=a.h())
    assert r.status_code == 422 and any("rep_id" in d["loc"] for d in r.json()["error"]["details"])
    r = client.post("/v1/admin/reps", json={"rep_id": "r", "name": "R", "team_id": "nope"}, headers=a.h())
    assert r.status_code == 422 and any("team_id" in d["loc"] for d in r.json()["error"]["details"])
    r = client.post("/v1/admin/tenants", json={"tenant_id": a.tenant_id, "name": "again"}, headers=world.boot)
    assert r.status_code == 409


# --- limits: a second gateway on the same database, with low limits -----------------------------------


@pytest.fixture
def tight(stack: Stack) -> Iterator[str]:
    name, port = "gateway-limits", stack.gateway_port + 40
    stack.add(name, "gateway.main:app", port, env={
        "RAPPORT_RATE_LIMIT_PER_MINUTE": "3", "RAPPORT_MAX_BODY_BYTES": "4000", "RAPPORT_MAX_BATCH": "2",
        "RAPPORT_CONSUMER_GROUP": f"gateway-limits-{secrets.token_hex(4)}"})
    yield f"http://127.0.0.1:{port}"
    popen = stack.procs.pop(name).popen
    if popen is not None:
        popen.terminate()
        popen.wait(timeout=30)


def test_limits(tight: str, world: World) -> None:
    a = world.a
    with httpx.Client(base_url=tight, timeout=30) as c:
        assert [c.get("/v1/me", headers=a.h()).status_code for _ in range(3)] == [200, 200, 200]
        r = c.get("/v1/me", headers=a.h())
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert r.json()["error"]["code"] == "rate_limited"
        assert c.get("/v1/me", headers=a.h(a.manager)).status_code == 200  # per key
        r = c.post("/v1/admin/teams", json={"team_id": "big", "name": "x" * 5000}, headers=a.h(a.rep_key))
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
        batch = [ev(a, "insight.profile.viewed", {"rep_id": a.rep, "person": {
            "profile_url": f"https://www.linkedin.com/in/p{i}/"}}) for i in range(3)]
        r = c.post("/v1/events", json=batch, headers=a.h(a.ingest))
        assert r.status_code == 413 and r.json()["error"]["code"] == "batch_too_large"
