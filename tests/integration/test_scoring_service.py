"""The scoring service through the real stack: dark-side alerts, recommendations, settings,
history, leaderboard and evidence. The outcomes report against the Maven CRM sample is checked once,
end to end from the CSV through the `rapport` CLI (tests/integration/test_imports.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
from kafka import KafkaProducer

from rapportkit import jsonutil
from rapportkit.envelope import new_event
from tests.integration.helpers import as_event, eventually, new_rep, read_topic, stored


def ev(type_: str, when: str, **data: Any) -> dict[str, Any]:
    return new_event(type=f"rapport.{type_}", tenant_id="demo", source="tests", data=data,
                     time=datetime.fromisoformat(when))


def post(client: httpx.Client, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 1000):
        response = client.post("/v1/events", json=events[start:start + 1000])
        assert response.status_code == 202, response.text


def person(name: str) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/{name}"}


def alerts_of(client: httpx.Client, rep: str, kind: str | None = None) -> list[dict[str, Any]] | None:
    """The rep's alerts once there are any (the rep is unknown, 404, until its first event is applied)."""
    response = client.get(f"/v1/reps/{rep}/alerts", params={"kind": kind} if kind else {})
    return (response.json()["alerts"] or None) if response.status_code == 200 else None


def test_connect_then_pitch_lowers_the_score_and_raises_an_alert(client: httpx.Client, kafka: str) -> None:
    hasty, patient = new_rep(), new_rep()
    for rep in (hasty, patient):
        post(client, [
            ev("network.connection.accepted", "2026-11-02T09:00:00+00:00", rep_id=rep, person=person("ana")),
            ev("network.message.received", "2026-11-02T12:00:00+00:00", rep_id=rep, conversation_id=f"c-{rep}",
               person=person("ana"), channel="linkedin", text="Thanks for connecting!")])
    post(client, [ev("network.message.sent", "2026-11-02T09:30:00+00:00", rep_id=hasty, conversation_id=f"c-{hasty}",
                     person=person("ana"), channel="linkedin", is_pitch=True,
                     text="Great to connect! Our platform cuts costs 30% — book a demo: calendly.com/x/15min")])
    post(client, [ev("network.message.sent", "2026-11-02T10:30:00+00:00", rep_id=patient,
                     conversation_id=f"c-{patient}", person=person("ana"), channel="linkedin",
                     text="Thanks for accepting. I enjoyed your post on supplier audits — what prompted it?")])

    [alert] = eventually(lambda: alerts_of(client, hasty), timeout=15, what="the connect_then_pitch alert")
    assert alert["kind"] == "connect_then_pitch"
    assert alert["evidence"]["minutes_after_acceptance"] == 30.0
    assert alert["evidence"]["person"] == "linkedin.com/in/ana"
    assert client.get(f"/v1/reps/{patient}/alerts").json()["alerts"] == []

    scores = {rep: client.get(f"/v1/reps/{rep}/score", params={"date": "2026-11-03"}).json()
              for rep in (hasty, patient)}
    assert scores[hasty]["total"] < scores[patient]["total"]
    penalty = [f for f in scores[hasty]["factors"] if f["name"] == "penalty_connect_then_pitch"]
    assert penalty and penalty[0]["contribution"] < 0

    published = eventually(lambda: read_topic(kafka, "rapport.scoring.v2", lambda m: (stored(m) or {}).get(
        "type") == "rapport.scoring.alert.raised" and stored(m)["data"]["rep_id"] == hasty) or None,
        timeout=15, what="scoring.alert.raised on the topic")
    assert as_event(published[0])["data"]["kind"] == "connect_then_pitch"
    updated = read_topic(kafka, "rapport.scoring.v2", lambda m: (stored(m) or {}).get(
        "type") == "rapport.scoring.score.updated" and stored(m)["data"]["rep_id"] == hasty)
    assert updated and all(as_event(m)["data"]["formula_version"] == "1.0" for m in updated)


def test_identical_mass_messages_raise_mass_message(client: httpx.Client) -> None:
    rep = new_rep()
    text = "Hi there, quick question about your Q3 plans. Do you have 10 minutes this week?"
    post(client, [ev("network.message.sent", f"2026-11-05T09:0{i}:00+00:00", rep_id=rep, conversation_id=f"m{i}-{rep}",
                     person=person(f"p{i}-{rep}"), channel="linkedin", text=text) for i in range(6)])
    alerts = eventually(lambda: alerts_of(client, rep, "mass_message"), timeout=15, what="the mass_message alert")
    assert alerts[0]["evidence"]["recipients"] == 6


def test_recommendation_follows_the_quadrant(client: httpx.Client, kafka: str) -> None:
    account = f"acct-{uuid.uuid4().hex[:8]}"
    assert client.get(f"/v1/accounts/{account}/recommendation").status_code == 404
    producer = KafkaProducer(bootstrap_servers=kafka)
    for i, quadrant in enumerate(("low_status_small_centre", "low_status_large_centre")):
        event = new_event(type="rapport.insight.account.quadrant_changed", tenant_id="demo", source="tests",
                          time=datetime.fromisoformat(f"2026-11-0{i + 1}T00:00:00+00:00"),
                          data={"account_id": account, "quadrant": quadrant, "customer_status": "low",
                                "centre_size": quadrant.split("_")[2], "stakeholders": 2 + 3 * i})
        producer.send("rapport.insight.v2", key=f"demo:{account}".encode(), value=jsonutil.dumps(event))
    producer.flush()
    producer.close()
    body = eventually(lambda: (r := client.get(f"/v1/accounts/{account}/recommendation")).status_code == 200
                      and r.json()["quadrant"] == "low_status_large_centre" and r.json() or None,
                      timeout=15, what="the recommendation")
    assert "Avoid intrusive social outreach" in body["recommendation"]
    def issued() -> list[Any] | None:  # the relay publishes shortly after the read model commits
        found = read_topic(kafka, "rapport.scoring.v2", lambda m: (stored(m) or {}).get(
            "type") == "rapport.scoring.recommendation.issued" and stored(m)["data"]["account_id"] == account)
        return found if len(found) >= 2 else None

    messages = eventually(issued, timeout=15, what="two recommendation.issued events")
    assert [as_event(m)["data"]["quadrant"] for m in messages] == ["low_status_small_centre",
                                                                   "low_status_large_centre"]


def test_settings_are_validated_and_change_the_window(client: httpx.Client) -> None:
    bad = client.put("/v1/settings/scoring", json={"weights": {"no_such_factor": 1}})
    assert bad.status_code == 422 and "no_such_factor" in bad.text
    too_heavy = client.put("/v1/settings/scoring", json={"weights": {"research_actions": 30}})
    assert too_heavy.status_code == 422 and "insight" in too_heavy.json()["error"]["message"]
    assert client.put("/v1/settings/scoring", json={"window_days": 0}).status_code == 422
    current = client.get("/v1/settings/scoring").json()
    assert current["window_days"] == 30 and current["pitch_window_hours"] == 24.0


def test_history_and_leaderboard(client: httpx.Client) -> None:
    reps = [new_rep() for _ in range(3)]
    for n, rep in enumerate(reps):
        post(client, [ev("insight.profile.viewed", f"2026-10-2{k}T10:00:00+00:00", rep_id=rep,
                         person=person(f"x{k}")) for k in range(n + 1)])
    eventually(lambda: all(client.get(f"/v1/reps/{r}/score").status_code == 200 for r in reps) or None,
               timeout=15, what="the reps' scores")
    history = client.get(f"/v1/reps/{reps[2]}/score/history", params={"from": "2026-10-19", "to": "2026-10-23"}).json()
    assert [d["date"] for d in history["series"]] == [f"2026-10-{d}" for d in range(19, 24)]
    totals = [d["total"] for d in history["series"]]
    assert totals[0] == 0 and totals[1] > 0 and totals == sorted(totals)  # views on 20, 21, 22
    board = client.get("/v1/leaderboard", params={"date": "2026-10-25", "limit": 1000}).json()
    ranked = [r["rep_id"] for r in board["reps"] if r["rep_id"] in reps]
    assert ranked == list(reversed(reps))
    assert client.get("/v1/leaderboard", params={"limit": 0}).status_code == 422
    assert client.get(f"/v1/reps/{reps[0]}/score/history", params={"from": "2026-10-23", "to": "2026-10-01"}
                      ).status_code == 422


def test_evidence_relates_pillars_to_outcomes_across_reps(client: httpx.Client) -> None:
    reps = [new_rep() for _ in range(4)]
    events: list[dict[str, Any]] = []
    for n, rep in enumerate(reps):  # more research ↔ better win rate, by construction
        events += [ev("insight.profile.viewed", "2026-11-10T10:00:00+00:00", rep_id=rep, person=person(f"v{k}-{rep}"))
                   for k in range(2 * n + 1)]
        for k in range(4):
            opp = f"{rep}-o{k}"
            events += [ev("outcome.opportunity.created", "2026-10-01T00:00:00+00:00", opportunity_id=opp, rep_id=rep,
                          account_id="acme", amount=100, stage="Engaging"),
                       ev("outcome.opportunity.closed", "2026-11-01T00:00:00+00:00", opportunity_id=opp,
                          won=k < n + 1, amount=100)]
    post(client, events)
    eventually(lambda: all(client.get(f"/v1/reps/{r}/score").status_code == 200 for r in reps) or None,
               timeout=20, what="the reps' facts")

    def report() -> dict[str, Any] | None:
        body = client.get("/v1/reports/evidence", params={"date": "2026-11-12"}).json()
        return body if body["n"] >= 4 else None

    body = eventually(report, timeout=20, what="the evidence report")
    rows = {(r["measure"], r["outcome"]): r for r in body["correlations"]}
    assert set(rows) == {(m, o) for m in ("insight", "connect", "engage", "brand", "total")
                         for o in ("win_rate", "won_amount")}
    assert rows[("insight", "win_rate")]["n"] == body["n"]
    assert "not causation" in body["note"]
