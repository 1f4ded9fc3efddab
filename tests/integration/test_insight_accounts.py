"""Insight accounts through the real stack: gateway → insight (PostgreSQL, outbox) → Kafka.

Buying centres and quadrants (issue 3 "Done when"), the quadrant_changed event on
rapport.insight.v2, ICP fit and its per-tenant settings, filters and validation.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from rapportkit import jsonutil
from tests.integration.helpers import as_event, eventually, read_topic

ROLES = ["decision_maker", "economic_buyer", "champion", "influencer", "user", "gatekeeper"]


def ev(kind: str, data: dict[str, Any], time: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.insight.{kind}",
            "time": time, "tenantid": "demo", "data": data}


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def account(account_id: str, tier: str, time: str = "2026-11-20T09:00:00Z", **extra: Any) -> dict[str, Any]:
    return ev("account.upserted", {"account_id": account_id, "name": f"Company {account_id}", "tier": tier,
                                   "industry": "Software", "employees": 800, **extra}, time)


def stakeholder(account_id: str, sid: str, role: str, time: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    return ev("stakeholder.identified", {
        "stakeholder_id": sid, "account_id": account_id, "role": role, "seniority": "director",
        "person": {"profile_url": f"https://www.LinkedIn.com/in/{sid}/?trk=x", "name": f"Person {sid}"}}, time)


def post(client: httpx.Client, events: list[dict[str, Any]]) -> dict[str, Any]:
    response = client.post("/v1/events", json=events)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def detail(client: httpx.Client, account_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/accounts/{account_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def quadrant_events(kafka: str, account_id: str, count: int) -> list[dict[str, Any]]:
    def probe() -> list[dict[str, Any]] | None:
        found = [as_event(m) for m in read_topic(kafka, "rapport.insight.v2",
                                                 lambda m: m.key == f"demo:{account_id}".encode(), timeout=5)]
        changes = [e for e in found if e and e["type"] == "rapport.insight.account.quadrant_changed"]
        return changes if len(changes) >= count else None

    return eventually(probe, timeout=20, interval=0.5, what=f"{count} quadrant_changed events for {account_id}")


def test_strategic_account_with_six_stakeholders_and_a_departure(client: httpx.Client, kafka: str) -> None:
    acc = new_id("acct")
    people = {role: new_id("sh") for role in ROLES}
    assert post(client, [account(acc, "strategic"), *[stakeholder(acc, sid, role) for role, sid in people.items()]]) \
        == {"accepted": 7, "duplicates": 0}

    body = detail(client, acc)
    assert (body["tier"], body["customer_status"]) == ("strategic", "high")
    assert body["quadrant"] == "high_status_large_centre"
    assert body["buying_centre"]["size"] == 6 and body["buying_centre"]["class"] == "large"
    assert body["buying_centre"]["roles_missing"] == [] and body["buying_centre"]["large_from"] == 4
    for role, sid in people.items():
        [member] = body["stakeholders"][role]
        assert member["stakeholder_id"] == sid
        assert member["person_key"] == f"linkedin.com/in/{sid}"  # normalised per docs/contracts.md
        assert member["person"]["name"] == f"Person {sid}" and member["seniority"] == "director"
    assert body["stakeholders"]["unknown"] == []

    # one departure moves the count (6 → 5; still large)
    post(client, [ev("stakeholder.departed", {"stakeholder_id": people["user"], "account_id": acc},
                     "2026-11-21T10:00:00Z")])
    body = detail(client, acc)
    assert body["buying_centre"]["size"] == 5 and body["stakeholders"]["user"] == []
    assert [d["stakeholder_id"] for d in body["buying_centre"]["departed"]] == [people["user"]]
    assert body["buying_centre"]["roles_missing"] == ["user"]

    # first placement, then small → large when the 4th stakeholder arrived; nothing for the departure
    changes = quadrant_events(kafka, acc, 2)
    assert [(c["data"]["previous_quadrant"], c["data"]["quadrant"], c["data"]["stakeholders"]) for c in changes] == [
        (None, "high_status_small_centre", 0), ("high_status_small_centre", "high_status_large_centre", 4)]
    assert all(c["tenantid"] == "demo" and c["source"] == "rapport/insight" for c in changes)


def test_standard_account_with_two_stakeholders_is_low_status_small_centre(client: httpx.Client, kafka: str) -> None:
    acc = new_id("acct")
    events = [account(acc, "standard"), stakeholder(acc, new_id("sh"), "champion"),
              stakeholder(acc, new_id("sh"), "user")]
    post(client, events)
    body = detail(client, acc)
    assert (body["customer_status"], body["buying_centre"]["size"], body["buying_centre"]["class"],
            body["quadrant"]) == ("low", 2, "small", "low_status_small_centre")
    # replaying the batch applies nothing twice and publishes no second quadrant change
    assert post(client, events) == {"accepted": 0, "duplicates": 3}
    [change] = quadrant_events(kafka, acc, 1)
    assert change["data"] == {"account_id": acc, "quadrant": "low_status_small_centre", "customer_status": "low",
                              "centre_size": "small", "stakeholders": 0, "previous_quadrant": None}


def test_icp_fit_follows_the_tenant_icp_with_reasons(client: httpx.Client, kafka: str) -> None:
    acc = new_id("acct")
    try:
        response = client.put("/v1/settings/icp", json={"industries": ["software"], "employees": {"min": 1000},
                                                        "regions": ["EMEA"]})
        assert response.status_code == 200, response.text
        post(client, [account(acc, "key", region="EMEA")])  # 800 employees
        body = detail(client, acc)
        assert body["icp_fit"] == 0.9333  # (1 + 800/1000 + 1) / 3
        assert [(r["criterion"], r["status"], r["score"]) for r in body["icp_reasons"]] == [
            ("industries", "met", 1.0), ("employees", "partial", 0.8), ("regions", "met", 1.0)]

        response = client.put("/v1/settings/icp", json={"industries": ["Manufacturing"], "regions": ["EMEA"],
                                                        "weights": {"regions": 3}})
        assert response.status_code == 200, response.text
        changed = response.json()
        assert changed["industries"] == ["Manufacturing"] and changed["accounts"]["changed"] >= 1
        body = detail(client, acc)
        assert body["icp_fit"] == 0.75  # (0·1 + 1·3) / 4
        assert [(r["criterion"], r["status"], r["contribution"]) for r in body["icp_reasons"]] == [
            ("industries", "missed", 0.0), ("regions", "met", 0.75)]
        assert client.get("/v1/settings/icp").json()["version"] == changed["version"]

        assert acc in ids(client.get("/v1/accounts", params={"min_fit": 0.75, "limit": 500}))
        assert acc not in ids(client.get("/v1/accounts", params={"min_fit": 0.76, "limit": 500}))

        def fit_events() -> list[Any] | None:
            found = [as_event(m) for m in read_topic(kafka, "rapport.insight.v2",
                                                     lambda m: m.key == f"demo:{acc}".encode(), timeout=5)]
            fits = [e["data"]["icp_fit"] for e in found if e and e["type"] == "rapport.insight.account.fit_changed"]
            return fits if len(fits) >= 2 else None

        assert eventually(fit_events, timeout=20, interval=0.5, what="fit_changed events") == [0.9333, 0.75]
    finally:
        client.put("/v1/settings/icp", json={})


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["account_id"] for item in response.json()["items"]]


def test_quadrant_settings_are_per_tenant_and_replace_accounts(client: httpx.Client) -> None:
    acc = new_id("acct")
    post(client, [account(acc, "key"), *[stakeholder(acc, new_id("sh"), role) for role in ROLES[:4]]])
    assert detail(client, acc)["quadrant"] == "high_status_large_centre"
    try:
        response = client.put("/v1/settings/quadrant", json={"high_status_tiers": ["strategic"],
                                                             "large_centre_min": 5})
        assert response.status_code == 200, response.text
        assert response.json()["large_centre_min"] == 5
        body = detail(client, acc)
        assert (body["customer_status"], body["buying_centre"]["class"], body["quadrant"]) == (
            "low", "small", "low_status_small_centre")
        assert acc in ids(client.get("/v1/accounts", params={"quadrant": "low_status_small_centre", "limit": 500}))
    finally:
        assert client.put("/v1/settings/quadrant", json={}).status_code == 200
    assert detail(client, acc)["quadrant"] == "high_status_large_centre"


def test_list_filters_and_pages(client: httpx.Client) -> None:
    strategic, standard = new_id("acct"), new_id("acct")
    post(client, [account(strategic, "strategic"), account(standard, "standard")])
    strategic_ids = ids(client.get("/v1/accounts", params={"tier": "strategic", "sort": "updated", "limit": 500}))
    assert strategic in strategic_ids and standard not in strategic_ids
    both = ids(client.get("/v1/accounts", params=[("tier", "strategic"), ("tier", "standard"), ("limit", "500")]))
    assert {strategic, standard} <= set(both)
    first = client.get("/v1/accounts", params={"limit": 1, "sort": "name"}).json()
    second = client.get("/v1/accounts", params={"limit": 1, "offset": 1, "sort": "name"}).json()
    assert first["total"] == second["total"] >= 2 and (first["limit"], second["offset"]) == (1, 1)
    assert first["items"][0]["account_id"] != second["items"][0]["account_id"]


def test_unknown_account_is_404(client: httpx.Client) -> None:
    response = client.get(f"/v1/accounts/{new_id('nope')}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    # an account only named by a stakeholder (never upserted) is not an account yet
    acc = new_id("acct")
    post(client, [stakeholder(acc, new_id("sh"), "champion")])
    assert client.get(f"/v1/accounts/{acc}").status_code == 404


@pytest.mark.parametrize(
    ("event", "loc"),
    [
        (lambda: account("a", "platinum"), [0, "data", "tier"]),
        (lambda: stakeholder("a", "s", "ceo"), [0, "data", "role"]),
        (lambda: ev("stakeholder.identified", {"stakeholder_id": "s", "account_id": "a", "role": "user",
                                               "seniority": "vp", "person": {"title": "No key, no name"}}),
         [0, "data", "person"]),
        (lambda: ev("signal.captured", {"signal_id": "g", "kind": "funding", "strength": 1.5, "account_id": "a"}),
         [0, "data", "strength"]),
        (lambda: ev("signal.captured", {"signal_id": "g", "kind": "rumour", "strength": 0.5, "account_id": "a"}),
         [0, "data", "kind"]),
        (lambda: ev("account.quadrant_changed", {"account_id": "a", "quadrant": "high_status_small_centre",
                                                 "customer_status": "high", "centre_size": "small",
                                                 "stakeholders": 1}), [0, "type"]),
    ],
)
def test_invalid_insight_events_name_the_field(client: httpx.Client, event: Any, loc: list[Any]) -> None:
    response = client.post("/v1/events", json=[event()])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["loc"] == loc


def test_person_with_a_blank_key_is_refused_naming_the_field(client: httpx.Client) -> None:
    acc = new_id("acct")
    good = account(acc, "key")
    bad = ev("stakeholder.identified", {"stakeholder_id": "s", "account_id": acc, "role": "user", "seniority": "vp",
                                        "person": {"profile_url": "   ", "email": " ", "name": "  "}})
    response = client.post("/v1/events", json=[good, bad])
    assert response.status_code == 422, response.text
    assert "data.person" in response.json()["error"]["message"]
    assert client.get(f"/v1/accounts/{acc}").status_code == 404  # nothing of the refused request applied


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "loc"),
    [
        ("GET", "/v1/accounts", {"params": {"tier": "platinum"}}, ["query", "tier", 0]),
        ("GET", "/v1/accounts", {"params": {"min_fit": "2"}}, ["query", "min_fit"]),
        ("GET", "/v1/accounts", {"params": {"quadrant": "middle"}}, ["query", "quadrant", 0]),
        ("GET", "/v1/signals", {"params": {"since": "yesterday"}}, ["query", "since"]),
        ("GET", "/v1/signals", {"params": {"kind": "rumour"}}, ["query", "kind", 0]),
        ("PUT", "/v1/settings/icp", {"json": {"employees": {"min": 10, "max": 1}}}, ["employees"]),
        ("PUT", "/v1/settings/icp", {"json": {"industry": ["x"]}}, ["industry"]),
        ("PUT", "/v1/settings/quadrant", {"json": {"large_centre_min": 0}}, ["large_centre_min"]),
        ("PUT", "/v1/settings/quadrant", {"json": {"high_status_tiers": ["gold"]}}, ["high_status_tiers", 0]),
        ("PUT", "/v1/settings/quadrant", {"content": b"{nope", "headers": {"content-type": "application/json"}},
         None),
    ],
)
def test_bad_query_or_settings_is_422_naming_the_field(client: httpx.Client, method: str, path: str,
                                                      kwargs: dict[str, Any], loc: list[Any] | None) -> None:
    response = client.request(method, path, **kwargs)
    assert response.status_code == 422, response.text
    if loc is not None:
        assert response.json()["error"]["details"][0]["loc"] == loc


def test_settings_read_back_with_defaults(client: httpx.Client) -> None:
    rules = client.get("/v1/settings/quadrant").json()
    assert (rules["high_status_tiers"], rules["large_centre_min"]) == (["strategic", "key"], 4)
    assert set(client.get("/v1/settings/icp").json()) >= {"industries", "employees", "regions", "revenue",
                                                          "weights", "version"}
    assert jsonutil.loads(client.get("/openapi.json").content)["paths"]["/v1/settings/icp"]["put"]
