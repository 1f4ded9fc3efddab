"""Insight signals through the real stack: capture, action (in either order), latency, filters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def ev(kind: str, data: dict[str, Any], time: str) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.insight.{kind}",
            "time": time, "tenantid": "demo", "data": data}


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def signals(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/signals", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_signals_list_actioned_state_and_latency(client: httpx.Client) -> None:
    acc, rep = new_id("acct"), new_id("rep")
    funding, hiring, open_one = new_id("sig"), new_id("sig"), new_id("sig")
    events = [
        # the action arrives before its capture: it must still count, from the capture's time
        ev("signal.actioned", {"signal_id": funding, "rep_id": rep, "action": "congratulated on LinkedIn"},
           "2026-11-20T13:30:00Z"),
        ev("signal.captured", {"signal_id": funding, "kind": "funding", "strength": 0.9, "account_id": acc,
                               "source": "crunchbase"}, "2026-11-20T10:00:00Z"),
        ev("signal.captured", {"signal_id": hiring, "kind": "hiring", "strength": 0.4, "account_id": acc,
                               "rep_id": rep}, "2026-11-21T08:00:00Z"),
        ev("signal.actioned", {"signal_id": hiring, "rep_id": new_id("rep"), "action": "email"},
           "2026-11-23T08:00:00Z"),
        ev("signal.actioned", {"signal_id": hiring, "rep_id": rep, "action": "call"}, "2026-11-22T20:00:00Z"),
        ev("signal.captured", {"signal_id": open_one, "kind": "pain_point", "strength": 0.7, "account_id": acc},
           "2026-11-22T09:00:00Z"),
    ]
    response = client.post("/v1/events", json=events)
    assert response.status_code == 202 and response.json()["accepted"] == 6

    body = signals(client, account_id=acc)
    assert body["total"] == 3
    by_id = {s["signal_id"]: s for s in body["items"]}
    assert [s["signal_id"] for s in body["items"]] == [open_one, hiring, funding]  # newest capture first
    assert by_id[funding] | {} == {
        "signal_id": funding, "kind": "funding", "strength": 0.9, "source": "crunchbase", "account_id": acc,
        "person": None, "captured_by": None, "captured_at": "2026-11-20T10:00:00Z", "actioned": True,
        "actioned_at": "2026-11-20T13:30:00Z", "actioned_by": rep, "action": "congratulated on LinkedIn",
        "actions": 1, "latency_hours": 3.5}
    # the first action by event time counts (the call at 20:00 on the 22nd), 36 h after capture
    assert (by_id[hiring]["action"], by_id[hiring]["actions"], by_id[hiring]["latency_hours"]) == ("call", 2, 36.0)
    assert (by_id[open_one]["actioned"], by_id[open_one]["latency_hours"]) == (False, None)

    assert [s["signal_id"] for s in signals(client, account_id=acc, kind="hiring")["items"]] == [hiring]
    assert {s["signal_id"] for s in signals(client, account_id=acc, since="2026-11-21")["items"]} == {hiring, open_one}
    assert [s["signal_id"] for s in signals(client, account_id=acc, since="2026-11-22T08:59:59+00:00")["items"]] \
        == [open_one]
    assert [s["signal_id"] for s in signals(client, account_id=acc, actioned="false")["items"]] == [open_one]
    assert signals(client, account_id=new_id("acct"))["items"] == []


def test_signal_about_a_stakeholder_is_listed_under_their_account(client: httpx.Client) -> None:
    acc, sid, signal = new_id("acct"), new_id("sh"), new_id("sig")
    person = {"profile_url": f"https://linkedin.com/in/{sid}", "name": "Grace Hopper"}
    response = client.post("/v1/events", json=[
        ev("account.upserted", {"account_id": acc, "name": "Navy", "tier": "key", "industry": "Defence",
                                "employees": 9000}, "2026-11-20T08:00:00Z"),
        ev("stakeholder.identified", {"stakeholder_id": sid, "account_id": acc, "person": person,
                                      "role": "decision_maker", "seniority": "admiral"}, "2026-11-20T09:00:00Z"),
        ev("signal.captured", {"signal_id": signal, "kind": "job_change", "strength": 0.6,
                               "person": {"profile_url": f"https://www.linkedin.com/in/{sid.upper()}/"}},
           "2026-11-20T10:00:00Z"),
    ])
    assert response.status_code == 202, response.text
    [item] = signals(client, account_id=acc)["items"]
    assert item["signal_id"] == signal and item["account_id"] is None and item["person"]["profile_url"]
    account = client.get(f"/v1/accounts/{acc}").json()
    assert account["signals"] == {"captured": 1, "actioned": 0, "open": 1}
