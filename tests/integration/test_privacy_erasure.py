"""Erasure through the gateway and the real stack: a person named across services (stakeholder,
connection and messages, content engagement, referral) is erased with `POST /v1/privacy/erasure`;
once all four services have reported, no read route of the gateway's OpenAPI, nor the event
stream's buffer, returns their name, profile URL, e-mail or message text."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from stack.processes import Stack
from tests.integration.helpers import eventually

SERVICES = ("insight", "network", "content", "scoring")


class Person:
    """Someone named across services; `by_name` when known only by name and company, as older
    LinkedIn exports list people (a weak identity)."""

    def __init__(self, *, by_name: bool = False) -> None:
        self.by_name = by_name
        self.tag = uuid.uuid4().hex[:8]
        self.name = f"Zelda Q{self.tag}"
        self.url = f"https://www.linkedin.com/in/zelda-{self.tag}/"
        self.key = f"linkedin.com/in/zelda-{self.tag}"
        self.email = f"zelda.{self.tag}@example.com"
        self.phrase = f"quarterly-{self.tag}-plan"  # in their messages' text

    def as_event(self) -> dict[str, str]:
        if self.by_name:
            return {"name": self.name, "title": "CFO", "company": "Quux"}
        return {"profile_url": self.url, "email": self.email, "name": self.name, "title": "CFO", "company": "Quux"}

    def to_erase(self) -> dict[str, str]:
        """What an admin gives `POST /v1/privacy/erasure`."""
        if self.by_name:
            return {"name": self.name, "company": "Quux"}
        return {"profile_url": self.url, "email": self.email, "name": self.name}

    def needles(self) -> list[str]:
        if self.by_name:
            return [self.name.lower(), self.phrase]
        return [self.name.lower(), self.url.lower(), self.key, self.email, self.phrase, f"zelda-{self.tag}"]


def event(kind: str, data: dict[str, Any], *, days_ago: float = 1) -> dict[str, Any]:
    when = (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{kind}",
            "time": when, "tenantid": "demo", "data": data}


def activity(p: Person, *, rep: str, account: str, content: str) -> list[dict[str, Any]]:
    person = p.as_event()
    conversation = f"conv-{p.tag}"
    return [
        event("insight.account.upserted", {"account_id": account, "name": f"Quux {p.tag}", "tier": "strategic",
                                           "industry": "Software", "employees": 300}, days_ago=3),
        event("insight.stakeholder.identified", {"stakeholder_id": f"sh-{p.tag}", "account_id": account,
                                                 "person": person, "role": "economic_buyer", "seniority": "c-level"},
              days_ago=3),
        event("insight.profile.viewed", {"rep_id": rep, "person": person}, days_ago=2.5),
        event("insight.note.recorded", {"rep_id": rep, "account_id": account, "text": f"Met {p.name} at the fair"},
              days_ago=2.5),
        event("network.connection.requested", {"rep_id": rep, "person": person, "direction": "outbound"}, days_ago=2.4),
        event("network.connection.accepted", {"rep_id": rep, "person": person}, days_ago=2.3),
        event("network.message.sent", {"rep_id": rep, "conversation_id": conversation, "person": person,
                                       "channel": "linkedin", "text": f"Hello {p.name}, about the {p.phrase}"},
              days_ago=2),
        event("network.message.received", {"rep_id": rep, "conversation_id": conversation, "person": person,
                                           "channel": "linkedin", "text": f"Sure, the {p.phrase} works"},
              days_ago=1.9),
        event("network.meeting.booked", {"rep_id": rep, "meeting_id": f"mtg-{p.tag}", "person": person,
                                         "kind": "video"}, days_ago=1.8),
        event("content.item.published", {"content_id": content, "kind": "post", "title": "Buying centres",
                                          "topics": ["selling"], "owner": rep}, days_ago=1.5),
        event("content.item.shared", {"content_id": content, "rep_id": rep, "channel": "linkedin"}, days_ago=1.5),
        event("content.engagement.recorded", {"content_id": content, "rep_id": rep, "person": person, "kind": "like"},
              days_ago=1.4),
        event("content.engagement.given", {"rep_id": rep, "kind": "comment", "person": person,
                                           "link": f"{p.url}recent-activity/1"}, days_ago=1.3),
        event("outcome.referral.received", {"rep_id": rep, "person": person}, days_ago=1.2),
    ]


def read_routes(client: httpx.Client) -> list[tuple[str, dict[str, str]]]:
    """Every GET route of the gateway's OpenAPI (the stream and the contracts aside)."""
    spec = client.get("/openapi.json").json()
    return [(path, {p["name"]: p["in"] for p in op.get("parameters", [])})
            for path, ops in spec["paths"].items() for method, op in ops.items()
            if method == "get" and path not in ("/v1/stream",)]


def walk(client: httpx.Client, routes: list[tuple[str, dict[str, str]]], ids: dict[str, str]) -> dict[str, str]:
    """Each read route with its path parameters filled from `ids` (and the query parameters that
    select one entity), answer bodies by URL."""
    bodies = {}
    for path, params in routes:
        url = re.sub(r"{(\w+)(:path)?}", lambda m: ids.get(m.group(1), "unknown"), path)
        query = {name: ids[name] for name, where in params.items() if where == "query" and name in ids}
        if "limit" in params:
            query["limit"] = "500"
        response = client.get(url, params=query)
        assert response.status_code < 500, f"GET {url}: {response.status_code} {response.text[:300]}"
        bodies[str(response.request.url)] = response.text
    return bodies


def mentioning(bodies: dict[str, str], p: Person) -> dict[str, list[str]]:
    found = {}
    for url, text in bodies.items():
        hits = [n for n in p.needles() if n in text.lower()]
        if hits:
            found[url] = hits
    return found


def stream_buffer(stack: Stack, seconds: float = 2.0) -> str:
    """What `GET /v1/stream` replays of the tenant's buffer (an id of no process replays all of it)."""
    headers = {"Authorization": f"Bearer {stack.env['RAPPORT_BOOTSTRAP_TOKEN']}", "Last-Event-ID": "0-0"}
    text = ""
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=stack.gateway_url, headers=headers, timeout=httpx.Timeout(10, read=seconds)) as c, \
            c.stream("GET", "/v1/stream") as response:
        assert response.status_code == 200
        try:
            for chunk in response.iter_text():
                text += chunk
                if time.monotonic() > deadline:
                    break
        except httpx.ReadTimeout:
            pass
    return text


@pytest.mark.parametrize("by_name", [False, True], ids=["by-url-and-email", "known-only-by-name"])
def test_after_erasure_completes_no_read_returns_the_person(stack: Stack, client: httpx.Client, by_name: bool) -> None:
    p = Person(by_name=by_name)
    rep, account, content = f"rep-{p.tag}", f"acct-{p.tag}", f"post-{p.tag}"
    response = client.post("/v1/events", json=activity(p, rep=rep, account=account, content=content))
    assert response.status_code == 202, response.text
    ids = {"rep_id": rep, "account_id": account, "content_id": content}
    routes = read_routes(client)

    # the search finds them before (insight and content name people; content learns stakeholders from insight)
    last: dict[str, list[str]] = {}

    def everywhere() -> dict[str, list[str]] | None:
        last.clear()
        last.update(mentioning(walk(client, routes, ids), p))
        urls = " ".join(last)
        wanted = (f"/v1/accounts/{account}", f"/v1/content/{content}", f"/v1/reps/{rep}/engagement-given")
        return dict(last) if all(w in urls for w in wanted) else None

    try:
        before = eventually(everywhere, timeout=30, interval=1, what="the person in the reads of every service")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; they appear in {last}") from None
    assert len(before) >= 3
    assert p.needles()[0] in stream_buffer(stack).lower()

    response = client.post("/v1/privacy/erasure", json={"person": p.to_erase()})
    assert response.status_code == 202, response.text
    request_id = response.json()["request_id"]
    assert response.json()["status"] == "pending"

    def completed() -> dict[str, Any] | None:
        status = client.get(f"/v1/privacy/erasure/{request_id}").json()
        return status if status["status"] == "complete" else None

    status = eventually(completed, timeout=60, interval=0.5, what="completion by every service")
    assert set(status["services"]) == set(SERVICES)
    assert all(s["status"] == "complete" and s["completed_at"] for s in status["services"].values())

    ids["request_id"] = request_id
    bodies = walk(client, routes, ids)
    assert any(f"/v1/privacy/erasure/{request_id}" in url for url in bodies)
    assert any(f"/v1/accounts/{account}" in url for url in bodies)
    leaks = mentioning(bodies, p)
    assert not leaks, f"reads still name the erased person: {leaks}"
    buffered = stream_buffer(stack).lower()
    assert not [n for n in p.needles() if n in buffered], "the event stream still replays the person"

    # the account keeps its anonymous stakeholder: counts survive, identities do not
    detail = client.get(f"/v1/accounts/{account}").json()
    assert detail["stakeholders"]["economic_buyer"][0]["erased"] is True


def test_erasure_requests_are_validated_and_scoped(stack: Stack, client: httpx.Client) -> None:
    bad = client.post("/v1/privacy/erasure", json={"person": {"company": "Nobody's Employer"}})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["loc"] == ["person"]
    assert client.get("/v1/privacy/erasure/er-unknown").status_code == 404
    with httpx.Client(base_url=stack.gateway_url) as anonymous:
        assert anonymous.post("/v1/privacy/erasure", json={"person": {"email": "a@b.example"}}).status_code == 401
