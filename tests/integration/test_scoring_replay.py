"""Recomputable: replaying the topics from the beginning into an empty scoring database (a second
scoring API + worker, its own consumer group) yields the same scores, alerts and reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from rapportkit.envelope import new_event
from rapportkit.identity import HEADER, Identity, sign
from stack import infra
from stack.processes import Stack
from tests.integration.conftest import DB_PREFIX
from tests.integration.helpers import eventually, new_rep


def ev(type_: str, when: str, **data: Any) -> dict[str, Any]:
    return new_event(type=f"rapport.{type_}", tenant_id="demo", source="tests", data=data,
                     time=datetime.fromisoformat(when))


@pytest.mark.first
def test_replay_into_an_empty_database_gives_the_same_results(stack: Stack) -> None:
    token = stack.env["RAPPORT_BOOTSTRAP_TOKEN"]
    reps = [new_rep() for _ in range(3)]
    events: list[dict[str, Any]] = []
    for n, rep in enumerate(reps):
        for k in range(n + 2):
            who = {"profile_url": f"https://linkedin.com/in/{rep}-{k}"}
            events += [ev("network.connection.accepted", f"2026-09-0{k + 1}T09:00:00+00:00", rep_id=rep, person=who),
                       ev("network.message.sent", f"2026-09-0{k + 1}T09:10:00+00:00", rep_id=rep, person=who,
                          conversation_id=f"{rep}-{k}", channel="linkedin", is_pitch=True, text="Buy now"),
                       ev("insight.profile.viewed", f"2026-09-0{k + 2}T09:00:00+00:00", rep_id=rep, person=who)]
        opp = f"{rep}-opp"
        events += [ev("outcome.opportunity.created", "2026-08-01T00:00:00+00:00", opportunity_id=opp, rep_id=rep,
                      account_id="acme", amount=1000, stage="Engaging"),
                   ev("outcome.opportunity.closed", f"2026-09-1{n}T00:00:00+00:00", opportunity_id=opp, won=n != 1,
                      amount=1000 * (n + 1))]
    with httpx.Client(base_url=stack.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as gw:
        assert gw.post("/v1/events", json=events).status_code == 202

        def original() -> dict[str, Any] | None:
            groups = gw.get("/v1/reports/outcomes").json()["groups"]
            mine = [g for g in groups if g["rep_id"] in reps]
            alerts = [gw.get(f"/v1/reps/{r}/alerts").json().get("alerts", []) for r in reps]
            if len(mine) < 3 or sum(len(a) for a in alerts) < 9:
                return None
            return snapshot(gw, reps)

        before = eventually(original, timeout=180, interval=1, what="the original read models")

    port = stack.service_base_port + 30
    url = infra.fresh_database(f"{DB_PREFIX}_scoring_replay")
    # a replay rebuilds read models; it must not publish its derived events a second time
    env = {"SCORING_DATABASE_URL": url, "RAPPORT_CONSUMER_GROUP": f"scoring-replay-{uuid.uuid4().hex[:6]}",
           "RAPPORT_RELAY_ENABLED": "false"}
    try:
        stack.add("scoring-replay", "services.scoring.main:app", port, env, wait=False)
        stack.add("scoring-replay-worker", "services.scoring.worker:app", port + 1, env, wait=False)
        stack.wait_ready(["scoring-replay", "scoring-replay-worker"], timeout=120)
        identity = Identity(tenant_id="demo", role="admin")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as replay:
            replay.headers[HEADER] = sign(identity, stack.env["RAPPORT_INTERNAL_SECRET"])

            last: dict[str, Any] = {}

            def caught_up() -> dict[str, Any] | None:
                replay.headers[HEADER] = sign(identity, stack.env["RAPPORT_INTERNAL_SECRET"])
                try:
                    last["snapshot"] = snapshot(replay, reps)
                except (KeyError, httpx.HTTPError):
                    return None
                return last["snapshot"] if last["snapshot"] == before else None

            try:
                # the replay reads every topic from the start: this test runs first in the session
                # (marker `first`), so that is mostly its own events; a loaded machine may still need a while
                eventually(caught_up, timeout=360, interval=1, what="the replay to match the original")
            except AssertionError:
                assert last.get("snapshot") == before  # shows what differs
                raise
    finally:
        for name in ("scoring-replay-worker", "scoring-replay"):
            if name in stack.procs:
                stack.remove(name)
    assert last["snapshot"] == before
    assert before["outcomes"][reps[1]]["lost"] == 1 and before["outcomes"][reps[2]]["won_amount"] == 3000


def snapshot(client: httpx.Client, reps: list[str]) -> dict[str, Any]:
    groups = {g["rep_id"]: g for g in client.get("/v1/reports/outcomes").json()["groups"] if g["rep_id"] in reps}
    return {
        "outcomes": groups,
        "scores": {r: client.get(f"/v1/reps/{r}/score", params={"date": "2026-09-10"}).json() for r in reps},
        "alerts": {r: [(a["kind"], a["evidence"]) for a in client.get(f"/v1/reps/{r}/alerts").json()["alerts"]]
                   for r in reps},
        "history": {r: client.get(f"/v1/reps/{r}/score/history",
                                  params={"from": "2026-08-30", "to": "2026-09-12"}).json()["series"] for r in reps},
    }
