"""The content service through the real stack: events posted to the gateway, stakeholders arriving
from the insight service over Kafka, reads through the gateway on PostgreSQL, privacy erasure
requested on `rapport.privacy.v2` and completed back on it."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from rapportkit import jsonutil
from rapportkit.kafka import close_producer, make_producer
from tests.integration.helpers import as_event, eventually, read_topic


def ev(type_: str, data: dict[str, Any], time: str = "2026-11-02T10:00:00Z") -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{type_}",
            "time": time, "tenantid": "demo", "data": data}


def person(slug: str, name: str | None = None) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/{slug}/", **({"name": name} if name else {})}


def post(client: httpx.Client, events: list[dict[str, Any]]) -> None:
    response = client.post("/v1/events", json=events)
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": len(events), "duplicates": 0}


class World:
    """Fresh ids for one test: an account with three stakeholders, two reps, a company asset and a
    rep's post that share one topic of their own."""

    def __init__(self) -> None:
        self.suffix = s = uuid.uuid4().hex[:8]
        self.account, self.topic = f"acc-{s}", f"topic-{s}"
        # an id made from a link, as the LinkedIn importer makes them: slashes, a colon, a query
        self.asset, self.post = f"https://cdn.example.com/library/asset-{s}.pdf?v=2", f"post-{s}"
        self.rep_a, self.rep_b, self.rep_c = f"rep-{s}-a", f"rep-{s}-b", f"rep-{s}-c"
        self.dana, self.eric, self.fay = (person(f"dana-{s}", f"Dana {s}"), person(f"eric-{s}", f"Eric {s}"),
                                          person(f"fay-{s}", f"Fay {s}"))
        self.strangers = [person(f"stranger-{i}-{s}") for i in range(5)]
        self.fans = [person(f"fan-{i}-{s}") for i in range(12)]

    def stakeholder(self, who: dict[str, str], sid: str, role: str, time: str = "2026-10-01T00:00:00Z") -> dict[
            str, Any]:
        return ev("insight.stakeholder.identified", {"stakeholder_id": f"{sid}-{self.account}",
                                                     "account_id": self.account, "person": who, "role": role,
                                                     "seniority": "director"}, time)

    def engaged(self, content_id: str, rep: str, who: dict[str, str], kind: str,
                time: str = "2026-11-02T10:00:00Z") -> dict[str, Any]:
        return ev("content.engagement.recorded", {"content_id": content_id, "rep_id": rep, "person": who,
                                                  "kind": kind}, time)

    def content_events(self) -> list[dict[str, Any]]:
        return [
            ev("content.item.published", {"content_id": self.asset, "kind": "asset", "owner": "company",
                                          "title": "Freight cost benchmark 2026", "topics": [self.topic]},
               "2026-11-01T08:00:00Z"),
            ev("content.item.shared", {"content_id": self.asset, "rep_id": self.rep_a, "channel": "linkedin"},
               "2026-11-01T09:00:00Z"),
            ev("content.item.shared", {"content_id": self.asset, "rep_id": self.rep_b, "channel": "email"},
               "2026-11-01T09:30:00Z"),
            self.engaged(self.asset, self.rep_a, self.dana, "view"),
            self.engaged(self.asset, self.rep_a, self.dana, "view", "2026-11-02T11:00:00Z"),
            self.engaged(self.asset, self.rep_a, self.dana, "comment"),
            self.engaged(self.asset, self.rep_b, self.eric, "view"),
            self.engaged(self.asset, self.rep_b, self.eric, "like"),
            self.engaged(self.asset, self.rep_b, self.fay, "download"),
            *(self.engaged(self.asset, self.rep_a if i % 2 else self.rep_b, p, "view")
              for i, p in enumerate(self.strangers)),
            self.engaged(self.asset, self.rep_b, self.strangers[0], "view", "2026-11-03T10:00:00Z"),
            ev("content.item.published", {"content_id": self.post, "kind": "post", "owner": self.rep_c,
                                          "title": "Team offsite!", "topics": [self.topic]}, "2026-11-01T07:00:00Z"),
            ev("content.item.shared", {"content_id": self.post, "rep_id": self.rep_c, "channel": "linkedin"},
               "2026-11-01T07:00:00Z"),
            *(self.engaged(self.post, self.rep_c, p, "like", "2026-11-02T12:00:00Z") for p in self.fans),
        ]


def get(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_company_asset_engaged_by_the_buying_centre_outranks_a_liked_post(client: httpx.Client, kafka: str) -> None:
    w = World()
    post(client, [ev("insight.account.upserted", {"account_id": w.account, "name": f"Acme {w.account}",
                                                  "tier": "key", "industry": "logistics", "employees": 1200}),
                  w.stakeholder(w.dana, "s-dana", "decision_maker"), w.stakeholder(w.eric, "s-eric", "champion")])
    post(client, w.content_events())
    # Fay is mapped into the buying centre only after she engaged: attribution holds retroactively
    post(client, [w.stakeholder(w.fay, "s-fay", "user", "2026-11-20T00:00:00Z")])

    def attributed() -> dict[str, Any] | None:
        body = get(client, f"/v1/content/{quote(w.asset, safe='')}")
        names = [s["name"] for s in body["engaged"]["stakeholders"]]
        return body if len(names) == 3 and body["engagement"]["by_account"][0]["name"] else None

    item = eventually(attributed, timeout=20, what="three stakeholders attributed from insight events")
    e = item["engagement"]
    assert item["content_id"] == w.asset
    assert item["owner"] == "company" and item["title"] == "Freight cost benchmark 2026"
    assert item["shares"]["total"] == 2 and item["shares"]["by_channel"] == {"linkedin": 1, "email": 1}
    assert e["by_kind"] == {"view": 7, "like": 1, "comment": 1, "share": 0, "click": 0, "download": 1}
    assert e["repeats_ignored"] == {"view": 2}  # Dana's and stranger 0's second views
    assert (e["people"], e["stakeholders"], e["unknown_people"]) == (8, 3, 5)
    assert e["by_account"] == [{"account_id": w.account, "name": f"Acme {w.account}", "tier": "key",
                                "stakeholders": 3,
                                "by_kind": {"view": 2, "like": 1, "comment": 1, "share": 0, "click": 0,
                                            "download": 1},
                                "score": pytest.approx(53.0)}]  # Dana 1×5 + 6×5, Eric 1×4 + 2×4, Fay 3×2
    named = {s["name"]: s for s in item["engaged"]["stakeholders"]}
    assert list(named) == [w.dana["name"], w.eric["name"], w.fay["name"]]  # highest score first
    dana = named[w.dana["name"]]
    assert (dana["role"], dana["account_id"], dana["by_kind"]) == ("decision_maker", w.account,
                                                                   {"view": 1, "comment": 1})
    assert item["engaged"]["unknown_people"] == 5
    assert e["score"] == pytest.approx(53.5)  # + 5 stranger views × 1 × 0.1

    ranked = get(client, "/v1/content", topic=w.topic)
    assert [i["content_id"] for i in ranked["items"]] == [w.asset, w.post]
    liked = ranked["items"][1]["engagement"]
    assert liked["by_kind"]["like"] == 12 > e["by_kind"]["like"] and liked["stakeholders"] == 0
    assert liked["score"] == pytest.approx(2.4)  # 12 × 2 × 0.1
    assert ranked["items"][0]["sharing_reps"] == 2 and ranked["weights"]["role"]["decision_maker"] == 5.0

    published = read_topic(kafka, "rapport.content.v2", lambda m: m.key in (
        f"demo:{w.rep_a}".encode(), f"demo:{w.rep_b}".encode()))
    types = [as_event(m)["type"] for m in published]
    assert types.count("rapport.content.engagement.recorded") == 12 and types.count("rapport.content.item.shared") == 2


def test_filters_pages_and_errors_through_the_gateway(client: httpx.Client) -> None:
    w = World()
    post(client, w.content_events())
    eventually(lambda: get(client, "/v1/content", topic=w.topic)["total"] == 2 or None, timeout=10,
               what="both items listed")
    only_b = get(client, "/v1/content", topic=w.topic, rep_id=w.rep_b)
    assert [i["content_id"] for i in only_b["items"]] == [w.asset]
    assert only_b["items"][0]["engagement"]["people"] == 5  # Eric, Fay, strangers 0, 2 and 4 through rep b
    assert get(client, "/v1/content", topic=w.topic, **{"from": "2026-11-03", "to": "2026-11-30"})["total"] == 1
    assert get(client, "/v1/content", topic=w.topic, owner="company")["total"] == 1
    page2 = get(client, "/v1/content", topic=w.topic, limit=1, offset=1)
    assert (page2["total"], [i["rank"] for i in page2["items"]]) == (2, [2])

    missing = client.get(f"/v1/content/{quote('no/such:item', safe='')}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get("/v1/content", params={"from": "2026-12-01", "to": "2026-11-01"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == ["query", "from"]
    assert client.get("/v1/content", params={"kind": "tweet"}).status_code == 422
    wrong_tenant = client.post("/v1/events", json={**w.engaged(w.asset, w.rep_a, w.dana, "view"), "tenantid": "x"})
    assert wrong_tenant.status_code == 403

    post(client, [ev("content.engagement.given", {"rep_id": w.rep_a, "kind": "comment", "link": "https://x/1",
                                                  "person": w.dana}),
                  ev("content.engagement.given", {"rep_id": w.rep_a, "kind": "like", "link": "https://x/2"})])
    given = get(client, f"/v1/reps/{w.rep_a}/engagement-given")
    assert given["total"] == 2 and given["by_kind"] == {"comment": 1, "like": 1}
    assert given["without_person"] == 1 and given["unknown_people"] == 1  # Dana is no stakeholder in this world


def named_or_none(client: httpx.Client, content_id: str, named: bool) -> dict[str, Any] | None:
    """The item when it names someone (`named`) or nobody (not `named`), else None."""
    body = get(client, f"/v1/content/{quote(content_id, safe='')}")
    return body if bool(body["engaged"]["stakeholders"]) == named else None


def test_erasure_names_nobody_keeps_counts_and_reports_completion(client: httpx.Client, kafka: str) -> None:
    w = World()
    post(client, [w.stakeholder(w.dana, "s-dana", "decision_maker"), *w.content_events()])
    before = eventually(lambda: named_or_none(client, w.asset, True), timeout=20, what="Dana attributed")
    assert [s["name"] for s in before["engaged"]["stakeholders"]] == [w.dana["name"]]

    request_id = f"req-{uuid.uuid4().hex[:8]}"
    request = ev("privacy.erasure.requested", {"request_id": request_id, "person": w.dana})
    producer = make_producer(kafka, client_id="tests")
    try:
        producer.send("rapport.privacy.v2", key=f"demo:{request_id}".encode(), value=jsonutil.dumps(request)).get(
            timeout=30)
    finally:
        close_producer(producer)

    after = eventually(lambda: named_or_none(client, w.asset, False), timeout=20, what="Dana erased")
    assert after["engaged"]["anonymous_stakeholders"] == 1
    for field in ("score", "by_kind", "people", "stakeholders", "unknown_people", "by_account"):
        assert after["engagement"][field] == before["engagement"][field], field
    assert w.dana["name"] not in jsonutil.dumps(after).decode()

    def completed() -> list[Any] | None:
        found = [as_event(m) for m in read_topic(kafka, "rapport.privacy.v2", lambda m: request_id.encode() in m.value)]
        done = [e for e in found if e and e["type"] == "rapport.privacy.erasure.completed"
                and e["data"]["service"] == "content"]
        return done or None

    done = eventually(completed, timeout=20, interval=1, what="erasure completed by content")
    assert done[0]["data"]["request_id"] == request_id and done[0]["tenantid"] == "demo"
