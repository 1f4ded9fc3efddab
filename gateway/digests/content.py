"""What a digest says, read from the services through the gateway's upstream clients with an
identity signed for the subscription's scope (so a team's digest shows what its manager would see,
a rep's what the rep would see):

- the leaderboard at the period's last day (its first `TOP` lines and how many reps are ranked);
- who moved and why: the `MOVERS` reps whose total changed most since the day before the period,
  each with the `FACTORS` factors whose contribution changed most;
- the dark-side alerts raised for a day of the period, with their evidence (reps of the board,
  at most `MAX_REPS`);
- accounts where social effort ran against the quadrant's advice: the accounts named by the
  period's `intrusive_outreach` alerts (most touches went to `low_status_large_centre` accounts,
  whose advice is to avoid intrusive social outreach), with the quadrant's recommendation;
- the period's outcomes (by team for a tenant digest, by rep otherwise);
- a link to the dashboard.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from gateway.upstream import Upstreams
from rapportkit import jsonutil
from rapportkit.identity import Identity

TOP = 10
MOVERS = 5
FACTORS = 3
MAX_REPS = 200
MAX_ACCOUNTS = 20
CONCURRENCY = 8


class ContentError(Exception):
    """A service could not answer what the digest needs (the delivery is retried)."""


@dataclass(frozen=True)
class Reader:
    upstreams: Upstreams
    identity: Identity
    gate: asyncio.Semaphore

    async def get(self, service: str, path: str, params: dict[str, str] | None = None, *,
                  missing_ok: bool = False) -> Any:
        async with self.gate:
            answer = await self.upstreams.call(service, "GET", path, self.identity, params=params)
        if answer.status_code == 404 and missing_ok:
            return None
        if answer.status_code != 200:
            raise ContentError(f"{service} answered {answer.status_code} to GET {path}: {answer.text[:200]}")
        return jsonutil.loads(answer.content)


def _board_params(team_id: str | None, day: date) -> dict[str, str]:
    return {"date": day.isoformat(), "limit": "1000", **({"team_id": team_id} if team_id else {})}


async def _movers(read: Reader, board: list[dict[str, Any]], team_id: str | None, before: date,
                  last_day: date) -> list[dict[str, Any]]:
    earlier = await read.get("scoring", "/v1/leaderboard", _board_params(team_id, before))
    totals = {line["rep_id"]: line["total"] for line in earlier["reps"]}
    moves = sorted(({**line, "before": totals.get(line["rep_id"], 0.0)} for line in board),
                   key=lambda m: (-abs(m["total"] - m["before"]), m["rep_id"]))
    moves = [m for m in moves if round(m["total"] - m["before"], 2) != 0][:MOVERS]

    async def why(move: dict[str, Any]) -> dict[str, Any]:
        path = f"/v1/reps/{quote(move['rep_id'], safe='')}/score"
        then, now = await asyncio.gather(read.get("scoring", path, {"date": before.isoformat()}),
                                         read.get("scoring", path, {"date": last_day.isoformat()}))
        old = {f["name"]: f for f in then["factors"]}
        new = {f["name"]: f for f in now["factors"]}
        changes = [{"name": name, "pillar": (new.get(name) or old[name])["pillar"],
                    "before": (old.get(name) or {}).get("contribution", 0.0),
                    "after": (new.get(name) or {}).get("contribution", 0.0)} for name in {**old, **new}]
        for change in changes:
            change["delta"] = round(change["after"] - change["before"], 2)
        changes.sort(key=lambda c: (-abs(c["delta"]), c["name"]))
        return {"rep_id": move["rep_id"], "name": move.get("name") or move["rep_id"],
                "before": round(move["before"], 2), "after": round(move["total"], 2),
                "delta": round(move["total"] - move["before"], 2),
                "factors": [c for c in changes if c["delta"] != 0][:FACTORS]}

    return list(await asyncio.gather(*(why(m) for m in moves)))


async def _alerts(read: Reader, board: list[dict[str, Any]], first_day: date,
                  last_day: date) -> list[dict[str, Any]]:
    async def of(line: dict[str, Any]) -> list[dict[str, Any]]:
        answer = await read.get("scoring", f"/v1/reps/{quote(line['rep_id'], safe='')}/alerts", missing_ok=True)
        return [{**alert, "rep_id": line["rep_id"], "name": line.get("name") or line["rep_id"]}
                for alert in (answer or {}).get("alerts", [])
                if first_day.isoformat() <= alert["date"] <= last_day.isoformat()]

    found = await asyncio.gather(*(of(line) for line in board[:MAX_REPS]))
    return sorted((a for alerts in found for a in alerts), key=lambda a: (a["date"], a["rep_id"], a["kind"]),
                  reverse=True)


async def _against_advice(read: Reader, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    accounts: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        if alert["kind"] != "intrusive_outreach":
            continue
        for account_id in alert["evidence"].get("accounts", []):
            entry = accounts.setdefault(account_id, {"account_id": account_id, "reps": []})
            if alert["name"] not in entry["reps"]:
                entry["reps"].append(alert["name"])

    async def described(entry: dict[str, Any]) -> dict[str, Any]:
        path = f"/v1/accounts/{quote(entry['account_id'], safe='')}"
        advice, account = await asyncio.gather(read.get("scoring", f"{path}/recommendation", missing_ok=True),
                                               read.get("insight", path, missing_ok=True))
        return {**entry, "name": (account or {}).get("name") or entry["account_id"],
                "quadrant": (advice or {}).get("quadrant"), "recommendation": (advice or {}).get("recommendation")}

    return list(await asyncio.gather(*(described(e) for e in sorted(
        accounts.values(), key=lambda e: e["account_id"])[:MAX_ACCOUNTS])))


async def gather(upstreams: Upstreams, identity: Identity, *, team_id: str | None, first_day: date,
                 last_day: date) -> dict[str, Any]:
    """Everything a digest of [first_day, last_day] shows, as its scope's identity reads it."""
    read = Reader(upstreams, identity, asyncio.Semaphore(CONCURRENCY))
    board = await read.get("scoring", "/v1/leaderboard", _board_params(team_id, last_day))
    group_by = "team" if identity.role == "admin" and team_id is None else "rep"
    outcomes = await read.get("scoring", "/v1/reports/outcomes", {
        "group_by": group_by, "from": first_day.isoformat(), "to": last_day.isoformat()})
    if team_id is not None:  # a team's outcomes are those of its reps
        on_board = {line["rep_id"] for line in board["reps"]}
        outcomes["groups"] = [g for g in outcomes["groups"] if g.get("rep_id") in on_board]
    movers = await _movers(read, board["reps"], team_id, first_day - timedelta(days=1), last_day)
    alerts = await _alerts(read, board["reps"], first_day, last_day)
    return {
        "leaderboard": board["reps"][:TOP], "total_reps": board["total_reps"], "board_date": board["date"],
        "movers": movers, "alerts": alerts, "against_advice": await _against_advice(read, alerts),
        "group_by": group_by,
        "outcomes": [g for g in outcomes["groups"] if g["leads"] or g["opportunities"] or g["won"] or g["lost"]],
    }
