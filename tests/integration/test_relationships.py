"""The team relationship map through the real stack (issue 16, "Done when"): events posted to the
gateway, the network service folding connections, conversations, meetings and — consumed from
rapport.content.v2 — engagements with the reps' content; insight publishing a `job_change` signal
when a stakeholder departs; reads through the gateway with the keys of each role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from stack.processes import Stack
from tests.integration.helpers import eventually
from tests.integration.test_gateway_access import Tenant, make_tenant, ok


def at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def person(slug: str) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/{slug}/", "name": slug.title()}


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as c:
        yield c


def test_map_who_knows_and_a_departure(client: httpx.Client, stack: Stack) -> None:
    boot = {"Authorization": f"Bearer {stack.env['RAPPORT_BOOTSTRAP_TOKEN']}"}
    t: Tenant = make_tenant(client, boot, "rel")
    tag = uuid.uuid4().hex[:8]
    account, ann, ben, cat = t.account, person(f"ann-{tag}"), person(f"ben-{tag}"), person(f"cat-{tag}")
    # mate knows ann well: connected, a two-way conversation, a meeting held, two engagements with mate's post;
    # rep knows ann a little (connected) and ben (a two-way conversation); nobody knows cat
    events: list[tuple[str, str, dict[str, Any]]] = [
        ("insight.account.upserted", at(30), {"account_id": account, "name": "Acme", "tier": "key",
                                               "industry": "software", "employees": 800}),
        *[("insight.stakeholder.identified", at(30), {"stakeholder_id": f"sh-{n}-{tag}", "account_id": account,
                                                      "person": p, "role": role, "seniority": "senior"})
          for n, p, role in (("1", ann, "decision_maker"), ("2", ben, "champion"), ("3", cat, "user"))],
        ("network.connection.accepted", at(20), {"rep_id": t.teammate, "person": ann}),
        ("network.message.sent", at(10), {"rep_id": t.teammate, "conversation_id": f"c1-{tag}", "person": ann,
                                          "channel": "linkedin", "text": "Great panel."}),
        ("network.message.received", at(9), {"rep_id": t.teammate, "conversation_id": f"c1-{tag}", "person": ann,
                                             "channel": "linkedin", "text": "Thanks!"}),
        ("network.meeting.held", at(5), {"rep_id": t.teammate, "meeting_id": f"m1-{tag}", "person": ann,
                                         "kind": "video"}),
        *[("content.engagement.recorded", at(3), {"content_id": f"post-{tag}", "rep_id": t.teammate,
                                                  "person": ann, "kind": kind}) for kind in ("like", "comment")],
        ("network.connection.accepted", at(15), {"rep_id": t.rep, "person": ann}),
        ("network.message.sent", at(8), {"rep_id": t.rep, "conversation_id": f"c2-{tag}", "person": ben,
                                         "channel": "email", "text": "Hello Ben"}),
        ("network.message.received", at(7), {"rep_id": t.rep, "conversation_id": f"c2-{tag}", "person": ben,
                                             "channel": "email", "text": "Hi"}),
    ]
    body = [{"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{kind}",
             "time": time, "tenantid": t.tenant_id, "data": data} for kind, time, data in events]
    assert ok(client.post("/v1/events", json=body, headers=t.h(t.ingest)), 202)["accepted"] == len(body)
    path = f"/v1/accounts/{account}/relationships"

    def applied() -> dict[str, Any] | None:
        r = client.get(path, headers=t.h(t.manager))
        found = r.json() if r.status_code == 200 else None
        if not found or len(found["stakeholders"]) != 3:
            return None
        mate = [e for s in found["stakeholders"] for e in s["reps"] if e["rep_id"] == t.teammate]
        engaged = mate and [f for f in mate[0]["factors"] if f["factor"] == "engagement"][0]["value"] == 2
        return found if engaged and found["coverage"]["known"] == 2 else None

    manager = eventually(applied, timeout=20, what="the relationship map")
    first, second, third = manager["stakeholders"]
    assert [s["stakeholder_id"] for s in manager["stakeholders"]] == [f"sh-{n}-{tag}" for n in "123"]
    assert (first["role"], first["person"]["name"]) == ("decision_maker", ann["name"])
    # ranked by strength: mate (connection, conversation, meeting, engagement) before rep (connection only)
    assert [r["rep_id"] for r in first["reps"]] == [t.teammate, t.rep]
    strong, weak = first["reps"]
    assert strong["strength"] > weak["strength"] > 0
    factors = {f["factor"]: f for f in strong["factors"]}
    assert {k: factors[k]["value"] for k in ("connection", "conversations", "meetings", "engagement")} == {
        "connection": True, "conversations": 1, "meetings": 1, "engagement": 2}
    assert strong["strength"] == pytest.approx(sum(f["contribution"] for f in strong["factors"]), abs=5e-4)
    assert strong["last_touch"] is not None
    assert [r["rep_id"] for r in second["reps"]] == [t.rep] and third["reps"] == []
    assert [s["stakeholder_id"] for s in manager["uncovered"]] == [f"sh-3-{tag}"]
    assert manager["coverage"] == {"stakeholders": 3, "known": 2, "share": 0.6667}
    assert manager["roles_uncovered"] == ["economic_buyer", "influencer", "user", "gatekeeper"]
    assert manager["departed"] == []

    # a rep sees which colleague knows whom, and only its own strength
    own = ok(client.get(path, headers=t.h(t.rep_key)))
    mate_seen, self_seen = own["stakeholders"][0]["reps"]
    assert mate_seen == {"rep_id": t.teammate, "strength": None, "factors": None, "last_touch": None}
    assert self_seen["rep_id"] == t.rep and self_seen["strength"] == weak["strength"]

    # who knows ann: strongest first, with the accounts she is a stakeholder of
    who = ok(client.get("/v1/people/relationships", params={"profile_url": ann["profile_url"].upper()},
                        headers=t.h(t.rep_key)))
    assert [r["rep_id"] for r in who["reps"]] == [t.teammate, t.rep]
    assert who["stakeholder_of"] == [{"account_id": account, "stakeholder_id": f"sh-1-{tag}",
                                      "role": "decision_maker", "active": True}]
    refused = client.get("/v1/people/relationships", headers=t.h(t.rep_key))
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["loc"] == ["query", "profile_url"]

    # ben departs: insight publishes a job_change signal the rep who knew him sees; the map keeps him
    departure = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests",
                 "type": "rapport.insight.stakeholder.departed", "time": at(1), "tenantid": t.tenant_id,
                 "data": {"stakeholder_id": f"sh-2-{tag}", "account_id": account}}
    assert ok(client.post("/v1/events", json=[departure], headers=t.h(t.ingest)), 202)["accepted"] == 1
    signals = ok(client.get("/v1/signals", params={"kind": "job_change", "account_id": account},
                            headers=t.h(t.rep_key)))["items"]
    assert [(s["kind"], s["account_id"], s["person"]["profile_url"]) for s in signals] == [
        ("job_change", account, ben["profile_url"])]

    def departed() -> dict[str, Any] | None:
        found = ok(client.get(path, headers=t.h(t.manager)))
        return found if found["departed"] else None

    after = eventually(departed, timeout=20, what="the departure in the map")
    assert [s["stakeholder_id"] for s in after["departed"]] == [f"sh-2-{tag}"]
    assert after["departed"][0]["departed_at"] is not None
    assert [r["rep_id"] for r in after["departed"][0]["reps"]] == [t.rep]
    assert after["coverage"] == {"stakeholders": 2, "known": 1, "share": 0.5}


def test_the_half_life_is_an_admin_setting(client: httpx.Client, stack: Stack) -> None:
    boot = {"Authorization": f"Bearer {stack.env['RAPPORT_BOOTSTRAP_TOKEN']}"}
    t = make_tenant(client, boot, "hl")
    assert ok(client.get("/v1/settings/relationships", headers=t.h(t.rep_key)))["half_life_days"] == 180
    assert client.put("/v1/settings/relationships", json={"half_life_days": 30},
                      headers=t.h(t.manager)).status_code == 403
    bad = client.put("/v1/settings/relationships", json={"half_life_days": 0}, headers=t.h())
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "half_life_days"
    changed = ok(client.put("/v1/settings/relationships", json={"half_life_days": 30}, headers=t.h()))
    assert (changed["half_life_days"], changed["version"]) == (30, 1)
    assert ok(client.get("/v1/settings/relationships", headers=t.h(t.manager)))["half_life_days"] == 30
