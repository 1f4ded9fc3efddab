"""Wrong-tenant and wrong-role walks over EVERY operation of the gateway's OpenAPI (issue 13): the
operations are read from `/openapi.json`, so a new route is walked without touching this file.

Tenant A (the victim) and tenant B are seeded through the API with real events: a team of two reps
and a rep of another team, each with their own people, notes, messages, shares, engagement, leads
and opportunities, every id and text carrying the rep's id. Each operation is called with its path
parameters filled with A's real ids (rep, team, account, content, key, erasure request), its query
parameters that name a rep, team, account or tenant set to them (and once without), and a JSON body
built from its schema with the same ids:

- wrong tenant: each of B's keys (admin, manager, rep, ingest) — nothing of A's may come back;
- wrong role, in A: the rep key naming its teammate and the rep of the other team, the manager key
  naming the other team's rep and team, the ingest key naming A's own things — nothing of the reps
  out of reach may come back, and the ingest key reads nothing of A's at all.

A leak is a 2xx answer that names someone out of reach (in its path, or anywhere in its body but as
the echo of an asked id), or any answer whose body holds their data beyond the ids the request sent.
The stream is read while the victim posts an event. The walk prints the cases it made and fails on
any leak or 5xx.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from stack.processes import Stack
from tests.integration.test_gateway_access import (
    PUBLIC,
    Tenant,
    ev,
    make_tenant,
    ok,
    operations,
    read_stream,
    until,
)

EMPTY_FOR_UNKNOWN_REPS = {"/v1/reps/{rep_id}/engagement-given"}  # an empty report, naming no one


def person(rep: str) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/p-{rep}/", "name": f"Person of {rep}"}


def activity(t: Tenant) -> list[dict[str, Any]]:
    """Shared account, signal and content, then the same activity for each of the three reps."""
    events = [
        ev(t, "insight.account.upserted", {"account_id": t.account, "name": f"Account {t.s}", "tier": "strategic",
                                           "industry": "software", "employees": 500}),
        ev(t, "insight.stakeholder.identified", {"stakeholder_id": f"sh-{t.s}", "account_id": t.account,
                                                 "person": {"profile_url": f"https://www.linkedin.com/in/sh-{t.s}/",
                                                            "name": f"Stakeholder {t.s}"},
                                                 "role": "champion", "seniority": "director"}),
        ev(t, "insight.signal.captured", {"signal_id": t.signal, "kind": "funding", "account_id": t.account,
                                          "strength": 0.8}),
        ev(t, "content.item.published", {"content_id": t.content, "kind": "post", "title": f"Title {t.s}",
                                         "topics": [f"topic-{t.s}"], "owner": "company"}),
    ]
    for n, rep in enumerate((t.rep, t.teammate, t.outsider)):
        p, signal = person(rep), f"sig{n}-{t.s}"  # a signal's id is not its rep's
        events += [
            ev(t, "insight.profile.viewed", {"rep_id": rep, "person": p}),
            ev(t, "insight.note.recorded", {"rep_id": rep, "account_id": t.account, "text": f"Note by {rep}"}),
            ev(t, "insight.account.followed", {"rep_id": rep, "company": f"Account {t.s}", "account_id": t.account}),
            ev(t, "insight.signal.captured", {"signal_id": signal, "kind": "job_change", "account_id": t.account,
                                              "strength": 0.5, "rep_id": rep}),
            ev(t, "insight.signal.actioned", {"signal_id": signal, "rep_id": rep, "action": "message"}),
            ev(t, "network.connection.requested", {"rep_id": rep, "person": p, "direction": "outbound"}),
            ev(t, "network.connection.accepted", {"rep_id": rep, "person": p}),
            ev(t, "network.message.sent", {"rep_id": rep, "conversation_id": f"conv-{rep}", "person": p,
                                           "channel": "linkedin", "text": f"Message by {rep}"}),
            ev(t, "content.item.shared", {"content_id": t.content, "rep_id": rep, "channel": "linkedin"}),
            ev(t, "content.engagement.recorded", {"content_id": t.content, "rep_id": rep, "person": p,
                                                  "kind": "comment"}),
            ev(t, "content.engagement.given", {"rep_id": rep, "kind": "like", "link": f"https://x.test/{rep}",
                                               "person": p}),
            ev(t, "outcome.lead.created", {"lead_id": f"lead-{rep}", "rep_id": rep, "account_id": t.account,
                                           "source": "linkedin"}),
            ev(t, "outcome.opportunity.created", {"opportunity_id": f"opp-{rep}", "rep_id": rep,
                                                  "account_id": t.account, "amount": 1000, "stage": "discovery"}),
        ]
    return events


@dataclass
class World:
    a: Tenant  # the victim
    b: Tenant
    erasure: str | None  # an erasure request of A's, when the gateway serves privacy


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def world(stack: Stack, client: httpx.Client) -> World:
    boot = {"Authorization": f"Bearer {stack.env['RAPPORT_BOOTSTRAP_TOKEN']}"}
    a, b = make_tenant(client, boot, "wa"), make_tenant(client, boot, "wb")
    for t in (a, b):
        events = activity(t)
        assert ok(client.post("/v1/events", json=events, headers=t.h(t.ingest)), 202)["accepted"] == len(events)
    for t in (a, b):  # everything applied, read with the tenant's own admin key
        for rep in (t.rep, t.teammate, t.outsider):
            for path in (f"/v1/reps/{rep}/score", f"/v1/reps/{rep}/network"):
                until(client, path, t.h(), lambda r: r.status_code == 200)
            until(client, f"/v1/content/{t.content}", t.h(),
                  lambda r, rep=rep: f'"rep_id":"{rep}"' in r.text.replace(" ", ""))  # type: ignore[misc]
            until(client, "/v1/reports/outcomes", t.h(), lambda r, rep=rep: rep in r.text)  # type: ignore[misc]
            until(client, f"/v1/accounts/{t.account}", t.h(), lambda r, rep=rep: f"Note by {rep}" in r.text)  # type: ignore[misc]
            until(client, "/v1/signals", t.h(), lambda r, rep=rep: f'"actioned_by":"{rep}"' in r.text.replace(" ", ""))  # type: ignore[misc]
        until(client, f"/v1/accounts/{t.account}/recommendation", t.h(), lambda r: r.status_code == 200)
        until(client, "/v1/leaderboard", t.h(), lambda r, t=t: t.outsider in r.text)  # type: ignore[misc]
    erasure = None
    if "/v1/privacy/erasure" in client.get("/openapi.json").json()["paths"]:  # about someone else than the above
        made = client.post("/v1/privacy/erasure", headers=a.h(),
                           json={"person": {"profile_url": f"https://www.linkedin.com/in/gone-{a.s}/"}})
        erasure = ok(made, 202)["request_id"]
    return World(a=a, b=b, erasure=erasure)


# --- requests built from the OpenAPI ----------------------------------------------------------------


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    for union in ("anyOf", "oneOf"):
        if union in schema:
            options = [o for o in schema[union] if resolve(spec, o).get("type") != "null"]
            return resolve(spec, options[0]) if options else {}
    return schema


def sample(spec: dict[str, Any], schema: dict[str, Any], ids: dict[str, str], name: str = "") -> Any:
    """A value of the schema: the victim's id for a field named like one, else the simplest valid value."""
    schema = resolve(spec, schema)
    kind = schema.get("type")
    if name in ids and kind in ("string", None):
        return ids[name]
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {key: sample(spec, sub, ids, key) for key, sub in schema.get("properties", {}).items()
                if key in required or key in ids}
    if kind == "array":
        return [sample(spec, schema.get("items", {}), ids)] * int(schema.get("minItems", 0))
    if kind == "integer" or kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "string":
        return {"date": "2026-11-20", "date-time": "2026-11-20T10:00:00Z", "email": "walk@example.com"}.get(
            schema.get("format", ""), "x" * max(1, int(schema.get("minLength", 1))))
    return None


@dataclass
class Case:
    who: str  # e.g. "B admin", "A rep → teammate"
    key: str
    ids: dict[str, str]  # the values the request names things with
    out_of_reach: list[str]  # markers of what this key must never read
    caller_tenant: str
    victim: Tenant
    victim_rep: str  # whose event is posted while the stream is read


def event_of(t: Tenant, rep: str) -> dict[str, Any]:
    return ev(t, "insight.profile.viewed", {"rep_id": rep, "person": person(rep)})


def request(client: httpx.Client, spec: dict[str, Any], method: str, path: str, op: dict[str, Any], case: Case,
            with_query: bool) -> tuple[httpx.Response | str, list[str]]:
    """The answer (or the stream's text) and the ids the request sent."""
    asked: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = case.ids.get(match.group(1), f"x-{uuid.uuid4().hex[:6]}")
        asked.append(value)
        return value

    url = re.sub(r"{(\w+)(?::path)?}", fill, path)
    query = {p["name"]: case.ids[p["name"]] for p in op.get("parameters", [])
             if with_query and p.get("in") == "query" and p["name"] in case.ids}
    asked += query.values()
    headers = {"Authorization": f"Bearer {case.key}"}
    if "text/event-stream" in str(op.get("responses", {})):
        def victim_posts() -> None:
            httpx.post(str(client.base_url.join("/v1/events")), headers=case.victim.h(case.victim.ingest),
                       json=event_of(case.victim, case.victim_rep), timeout=30)
        return read_stream(client, url, headers, victim_posts, seconds=1.5) if not query else "", asked
    body = op.get("requestBody", {}).get("content", {})
    kwargs: dict[str, Any] = {}
    if "application/json" in body:
        kwargs["json"] = sample(spec, body["application/json"].get("schema", {}), case.ids)
    elif "multipart/form-data" in body:
        kwargs["files"] = {"file": ("walk.csv", b"")}
    elif method == "POST" and path == "/v1/events":  # the CloudEvents binding declares no body schema
        kwargs["json"] = [event_of(case.victim, case.ids["rep_id"])]
    asked += strings(kwargs.get("json"))
    return client.request(method, url, params=query, headers=headers, **kwargs), asked


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in strings(v)] if isinstance(value, list) else []


def strip_echo(text: str, asked: list[str], *, success: bool) -> str:
    """The body without the ids the request sent: as whole JSON strings in an answer, anywhere in an
    error (its message quotes them)."""
    for value in sorted(set(asked), key=len, reverse=True):
        text = text.replace(f'"{value}"', '""') if success else text.replace(value, "")
    return text


def walk(client: httpx.Client, world: World, cases: list[Case]) -> tuple[int, list[str], dict[str, int]]:
    spec = client.get("/openapi.json").json()
    ops = [(m, p, op) for m, p, op in operations(client) if p not in PUBLIC]
    walked, leaks, admin_status = 0, [], {}
    for case in cases:
        for method, path, op in ops:
            for with_query in (False, True):
                answer, asked = request(client, spec, method, path, op, case, with_query)
                walked += 1
                if isinstance(answer, str):
                    status, text = 200, answer
                else:
                    status, text = answer.status_code, answer.text
                    if not with_query and case.who == "B admin":
                        admin_status[f"{method} {path}"] = status
                label = f"{case.who}: {method} {path}{' +query' if with_query else ''} → {status}"
                if status >= 500:
                    leaks.append(f"{label} (server error) {text[:300]}")
                    continue
                success = 200 <= status < 300
                body = strip_echo(text, asked, success=success)
                body = body.replace(f'"{case.caller_tenant}"', '""')
                named = [m for m in case.out_of_reach if m in body]
                path_ids = re.findall(r"{(\w+)", path)
                about = [case.ids[n] for n in path_ids if case.ids.get(n) in case.out_of_reach]
                if named or (success and about and path not in EMPTY_FOR_UNKNOWN_REPS):
                    leaks.append(f"{label}: names {named or about} {text[:300]}")
    return walked, leaks, admin_status


def victim_ids(a: Tenant, world: World, *, rep: str, team: str, owner: str | None = None) -> dict[str, str]:
    return {"rep_id": rep, "team_id": team, "account_id": a.account, "content_id": a.content, "tenant_id": a.tenant_id,
            "key_id": a.admin_key_id, "signal_id": a.signal, "request_id": world.erasure or f"req-{a.s}",
            "job_id": f"job-{a.s}", "owner": owner or rep, "topic": f"topic-{a.s}", "user_id": f"user-{a.s}",
            "name": f"Walker {uuid.uuid4().hex[:6]}"}


def test_wrong_tenant_walk(client: httpx.Client, world: World) -> None:
    """Every operation, with A's ids, asked with each of B's keys: nothing of A's comes back."""
    a, b = world.a, world.b
    cases = [Case(f"B {role}", key, victim_ids(a, world, rep=a.rep, team=a.team), [a.s], b.tenant_id, a, a.rep)
             for role, key in (("admin", b.admin), ("manager", b.manager), ("rep", b.rep_key), ("ingest", b.ingest))]
    walked, leaks, admin_status = walk(client, world, cases)
    print(f"\nwrong-tenant walk: {walked} cases over {len(operations(client))} operations, {len(leaks)} leaks")
    assert leaks == [], "\n".join(leaks)
    # B's admin naming one of A's things in the path does not find it
    found = {op: status for op, status in admin_status.items()
             if "{" in op and status not in (403, 404, 422) and op.split(" ")[1] not in EMPTY_FOR_UNKNOWN_REPS}
    assert not found, found
    # and A's own admin does find A's data there: the walk was not vacuous
    assert a.s in ok(client.get(f"/v1/reps/{a.rep}/score", headers=a.h()))["rep_id"]
    assert f"Note by {a.outsider}" in client.get(f"/v1/accounts/{a.account}", headers=a.h()).text


def test_wrong_role_walk(client: httpx.Client, world: World) -> None:
    """In A: a rep key naming another rep, a manager key naming the other team's rep and team, an
    ingest key naming anything: nothing of them comes back."""
    a = world.a
    cases = [
        Case("A rep → teammate", a.rep_key, victim_ids(a, world, rep=a.teammate, team=a.team),
             [a.teammate, a.outsider], a.tenant_id, a, a.teammate),
        Case("A rep → other team", a.rep_key, victim_ids(a, world, rep=a.outsider, team=a.other_team),
             [a.teammate, a.outsider], a.tenant_id, a, a.outsider),
        Case("A manager → other team", a.manager, victim_ids(a, world, rep=a.outsider, team=a.other_team),
             [a.outsider, a.other_team], a.tenant_id, a, a.outsider),
        Case("A ingest", a.ingest, victim_ids(a, world, rep=a.rep, team=a.team), [a.s], a.tenant_id, a, a.rep),
    ]
    walked, leaks, _ = walk(client, world, cases)
    print(f"\nwrong-role walk: {walked} cases over {len(operations(client))} operations, {len(leaks)} leaks")
    assert leaks == [], "\n".join(leaks)
    # the keys do read what is theirs: the walk was not vacuous
    assert ok(client.get(f"/v1/reps/{a.rep}/network", headers=a.h(a.rep_key)))["rep_id"] == a.rep
    board = ok(client.get("/v1/leaderboard", headers=a.h(a.manager)))
    assert sorted(line["rep_id"] for line in board["reps"]) == sorted([a.rep, a.teammate])
