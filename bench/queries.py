"""Query latency at scale, for `make bench`: p50/p99 of the leaderboard and of a rep's score with
10k reps and 1M events loaded.

Pushing a million events through the pipeline would take this 2-core machine about half an hour
(the ingest figure of the same run says how fast it goes), so the scoring service's read model is
bulk-loaded instead: one `fact` row per event, as the consumer writes them (kinds in the mix a
rep's week has), spread over 90 days, plus the reps of 100 teams, 2,000 accounts with quadrants and
ICP fit, and 20,000 stakeholders, the 90 days ending today. The load bumps the tenant's input
versions as the consumer would, and the bench waits for the scorer to build today's board (its
materialised scores; the time it took is a figure too), as it would have after the first event of
a day. The network service's read model is bulk-loaded in the same way for the relationship map
(`GET /v1/accounts/{id}/relationships`): the same accounts and stakeholders, and the connections,
messages, meetings and engagements of a million events of the same mix, as its consumer and ingest
store them. Reads then go through the gateway as a user's would. Sizes:
BENCH_QUERY_REPS (10000), BENCH_QUERY_EVENTS (1000000), BENCH_QUERY_SAMPLES (200 rep reads; a
tenth of that for each leaderboard).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from bench.common import psycopg_url
from bench.summary import RELATIONSHIPS
from rapportkit.catalog import QUADRANTS, ROLES
from rapportkit.people import person_key

REPS = int(os.environ.get("BENCH_QUERY_REPS", "10000"))
EVENTS = int(os.environ.get("BENCH_QUERY_EVENTS", "1000000"))
SAMPLES = int(os.environ.get("BENCH_QUERY_SAMPLES", "200"))
TENANT = "bench-queries"
TEAMS, ACCOUNTS, STAKEHOLDERS, PEOPLE, DAYS = 100, 2000, 20000, 60000, 90
# today, set again when the phase loads (a run can cross midnight): the day whose board the scorer
# keeps (services/scoring/current.py)
LAST_DAY = datetime.now(UTC).date()
# fact kinds in the proportions of a rep's week (scoring/facts.py)
MIX = [("profile_view", 20), ("msg_out", 24), ("msg_in", 14), ("conn_request_out", 8), ("conn_accepted", 6),
       ("engagement_received", 10), ("content_shared", 6), ("engagement_given", 5), ("note", 3),
       ("account_follow", 1), ("meeting_booked", 2), ("content_published", 1)]
ENGAGEMENTS = ["view", "like", "comment", "share", "click", "download"]


def _facts(rng: random.Random, people: list[str]) -> Iterator[tuple[Any, ...]]:
    kinds = [k for k, weight in MIX for _ in range(weight)]
    start = datetime.combine(LAST_DAY - timedelta(days=DAYS - 1), datetime.min.time(), tzinfo=UTC)
    span = DAYS * 86400
    for n in range(EVENTS):
        rep = f"rep-{n % REPS}"
        kind = kinds[rng.randrange(len(kinds))]
        # a rep works a circle of ~200 people, so conversations and repeat touches recur
        who = people[(n % REPS * 37 + rng.randrange(200)) % PEOPLE]
        at = start + timedelta(seconds=rng.randrange(span))
        person = None if kind in ("content_shared", "content_published", "account_follow") else who
        account = f"acc-{rng.randrange(ACCOUNTS)}" if kind in ("note", "account_follow") else None
        ref = (f"conv-{n % REPS}-{rng.randrange(40)}" if kind.startswith("msg") or kind == "meeting_booked"
               else f"content-{rng.randrange(5000)}" if kind.startswith("content") or kind == "engagement_received"
               else None)
        flag = kind == "msg_out" and rng.random() < 0.05 or kind == "content_shared" and rng.random() < 0.5
        detail = (ENGAGEMENTS[rng.randrange(len(ENGAGEMENTS))] if kind.startswith("engagement")
                  else f"{rng.randrange(1 << 40):010x}" if kind == "msg_out" else None)
        yield (TENANT, rep, kind, at, person, account, ref, flag, detail, f"bench-q-{n}")


def load(scoring_url: str, progress: Callable[[str], None]) -> None:
    """Bulk-load the tenant's read model into the scoring database (COPY)."""
    global LAST_DAY  # noqa: PLW0603 - the phase's day, read by the functions below
    LAST_DAY = datetime.now(UTC).date()
    rng = random.Random(20261123)
    people = [person_key({"profile_url": f"https://www.linkedin.com/in/bench-q-{n}"}) for n in range(PEOPLE)]
    changed = datetime(2026, 8, 1, tzinfo=UTC)
    with psycopg.connect(psycopg_url(scoring_url)) as conn, conn.cursor() as cur:
        for table in ("fact", "stakeholder", "account", "rep", "current_score", "board"):
            cur.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (TENANT,))
        with cur.copy("COPY rep (tenant_id, rep_id, name, team_id) FROM STDIN") as copy:
            for r in range(REPS):
                copy.write_row((TENANT, f"rep-{r}", f"Rep {r}", f"team-{r % TEAMS}"))
        with cur.copy("COPY account (tenant_id, account_id, name, tier, quadrant, quadrant_at, icp_fit, icp_fit_at)"
                      " FROM STDIN") as copy:
            for a in range(ACCOUNTS):
                copy.write_row((TENANT, f"acc-{a}", f"Account {a}", ["strategic", "key", "standard"][a % 3],
                                QUADRANTS[a % len(QUADRANTS)], changed, round(rng.random(), 3), changed))
        with cur.copy("COPY stakeholder (tenant_id, stakeholder_id, account_id, person, role, active, changed_at)"
                      " FROM STDIN") as copy:
            for s in range(STAKEHOLDERS):
                copy.write_row((TENANT, f"st-{s}", f"acc-{s % ACCOUNTS}", people[s * 3 % PEOPLE],
                                ROLES[s % len(ROLES)], s % 25 != 0, changed))
        progress(f"  {REPS} reps in {TEAMS} teams, {ACCOUNTS} accounts, {STAKEHOLDERS} stakeholders")
        with cur.copy("COPY fact (tenant_id, rep_id, kind, at, person, account_id, ref, flag, detail, event_id)"
                      " FROM STDIN") as copy:
            for n, row in enumerate(_facts(rng, people), start=1):
                copy.write_row(row)
                if n % 250_000 == 0:
                    progress(f"  {n:>9,} of {EVENTS:,} events loaded")
        # what the consumer does in the transaction that changes a tenant's inputs: bump its versions,
        # so the scorer builds the tenant's board of today
        cur.execute("INSERT INTO tenant_version (tenant_id, version, context_version) VALUES (%s, 1, 1) "
                    "ON CONFLICT (tenant_id) DO UPDATE SET version = tenant_version.version + 1, "
                    "context_version = tenant_version.version + 1", (TENANT,))
        conn.commit()
        cur.execute("ANALYZE fact")
        cur.execute("ANALYZE stakeholder")


NETWORK_TABLES = ("network_engagement", "network_meeting", "network_message", "network_connection",
                  "network_stakeholder", "network_account")


def load_network(network_url: str, progress: Callable[[str], None]) -> None:
    """Bulk-load the tenant's network read model (COPY): accounts and stakeholders as scoring's, and
    the network rows of a million events of the same mix (messages, connections folded per rep and
    person, meetings, engagements with the reps' content)."""
    rng = random.Random(20261124)
    people = [person_key({"profile_url": f"https://www.linkedin.com/in/bench-q-{n}"}) for n in range(PEOPLE)]
    changed = datetime(2026, 8, 1, tzinfo=UTC)
    connections: dict[tuple[str, str], tuple[datetime, datetime | None]] = {}
    with psycopg.connect(psycopg_url(network_url)) as conn, conn.cursor() as cur:
        for table in NETWORK_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE tenant_id = %s", (TENANT,))
        with cur.copy("COPY network_account (tenant_id, account_id, name, tier, changed_at) FROM STDIN") as copy:
            for a in range(ACCOUNTS):
                copy.write_row((TENANT, f"acc-{a}", f"Account {a}", ["strategic", "key", "standard"][a % 3], changed))
        with cur.copy("COPY network_stakeholder (tenant_id, stakeholder_id, account_id, person_key, role, active, "
                      "changed_at, identified_at, person) FROM STDIN") as copy:
            for s in range(STAKEHOLDERS):
                who = people[s * 3 % PEOPLE]
                copy.write_row((TENANT, f"st-{s}", f"acc-{s % ACCOUNTS}", who, ROLES[s % len(ROLES)], s % 25 != 0,
                                changed, changed, json.dumps({"profile_url": f"https://{who}", "name": f"P {s}"})))
        meetings: list[tuple[Any, ...]] = []
        engagements: list[tuple[Any, ...]] = []
        # one COPY at a time on a connection: messages stream, the smaller tables are kept for after
        with cur.copy("COPY network_message (tenant_id, event_id, rep_id, conversation_id, person_key, outbound, "
                      "channel, at, length, is_pitch) FROM STDIN") as copy:
            for n, (_, rep, kind, at, person, _, ref, flag, detail, event_id) in enumerate(_facts(rng, people), 1):
                if kind in ("msg_out", "msg_in"):
                    copy.write_row((TENANT, event_id, rep, ref, person, kind == "msg_out", "linkedin", at, 80, flag))
                elif kind == "meeting_booked":
                    meetings.append((TENANT, event_id, rep, "video", person, at, at if n % 2 else None, at))
                elif kind == "engagement_received":
                    engagements.append((TENANT, event_id, rep, person, detail, at))
                elif kind in ("conn_request_out", "conn_accepted"):
                    first, accepted = connections.get((rep, person), (at, None))
                    connections[(rep, person)] = (min(first, at), at if kind == "conn_accepted" else accepted)
                if n % 250_000 == 0:
                    progress(f"  {n:>9,} of {EVENTS:,} events loaded into network")
        with cur.copy("COPY network_meeting (tenant_id, meeting_id, rep_id, kind, person_key, booked_at, held_at, "
                      "updated_at) FROM STDIN") as copy:
            for row in meetings:
                copy.write_row(row)
        with cur.copy("COPY network_engagement (tenant_id, event_id, rep_id, person_key, kind, at) FROM STDIN") as copy:
            for row in engagements:
                copy.write_row(row)
        with cur.copy("COPY network_connection (tenant_id, rep_id, person_key, status, direction, first_requested_at, "
                      "last_requested_at, accepted_at) FROM STDIN") as copy:
            for (rep, person), (first, accepted) in connections.items():
                copy.write_row((TENANT, rep, person, "accepted" if accepted else "pending", "outbound", first, first,
                                accepted))
        conn.commit()
        for table in NETWORK_TABLES:
            cur.execute(f"ANALYZE {table}")
    progress(f"  network: {len(connections):,} connections of {REPS:,} reps")


def wait_built(scoring_url: str, progress: Callable[[str], None], timeout: float = 1800) -> float:
    """Seconds until the scorer has built the loaded tenant's board of today (its materialised scores)."""
    started = time.perf_counter()
    with psycopg.connect(psycopg_url(scoring_url), autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT day FROM board WHERE tenant_id = %s", (TENANT,)).fetchone()
            elapsed = time.perf_counter() - started
            if row is not None and row[0] == LAST_DAY:
                return elapsed
            if row is not None and row[0] > LAST_DAY:
                raise RuntimeError("midnight (UTC) passed while the scorer built the board; run the bench again")
            if elapsed > timeout:
                raise RuntimeError(f"the scorer had not built the board of {REPS:,} reps after {timeout:.0f} s")
            if int(elapsed) % 10 == 0:
                kept = conn.execute("SELECT count(*) FROM current_score WHERE tenant_id = %s", (TENANT,)).fetchone()
                progress(f"  the scorer is building today's board: {kept[0] if kept else 0:,} of {REPS:,} reps kept")
            time.sleep(1)


def timed(client: httpx.Client, path: str, params: dict[str, str], samples: int) -> list[float]:
    latencies = []
    for _ in range(samples):
        started = time.perf_counter()
        response = client.get(path, params=params)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return latencies


def measure(gateway_url: str, token: str) -> dict[str, list[float]]:
    """Latencies of the reads through the gateway, with an admin key of the loaded tenant."""
    rng = random.Random(7)
    day = {"date": LAST_DAY.isoformat()}
    with httpx.Client(base_url=gateway_url, timeout=300, headers={"Authorization": f"Bearer {token}"}) as admin:
        tenant = admin.post("/v1/admin/tenants", json={"tenant_id": TENANT, "name": "Query benchmark"})
        if tenant.status_code not in (201, 409):
            raise RuntimeError(f"could not create the bench tenant: {tenant.text[:300]}")
        key = admin.post("/v1/admin/api-keys", json={"role": "admin", "tenant_id": TENANT, "name": "bench"})
        if key.status_code != 201:
            raise RuntimeError(f"could not create the bench key: {key.text[:300]}")
    with httpx.Client(base_url=gateway_url, timeout=300,
                      headers={"Authorization": f"Bearer {key.json()['key']}"}) as client:
        samples = max(3, SAMPLES // 10)
        return {
            "leaderboard, first read (cold)": timed(client, "/v1/leaderboard", day, 1),
            "leaderboard, unchanged": timed(client, "/v1/leaderboard", day, samples),
            "leaderboard, after a new event": [after_new_event(client, f"rep-{rng.randrange(REPS)}", n)
                                               for n in range(samples)],
            "leaderboard, one team": [t for _ in range(samples) for t in timed(
                client, "/v1/leaderboard", {**day, "team_id": f"team-{rng.randrange(TEAMS)}"}, 1)],
            "rep score (pillars, factors)": [t for _ in range(SAMPLES) for t in timed(
                client, f"/v1/reps/rep-{rng.randrange(REPS)}/score", day, 1)],
            RELATIONSHIPS: [t for _ in range(SAMPLES) for t in timed(
                client, f"/v1/accounts/acc-{rng.randrange(ACCOUNTS)}/relationships", {}, 1)],
        }


def after_new_event(client: httpx.Client, rep: str, n: int) -> float:
    """Post one event for `rep`, wait until its score shows it, then time one leaderboard read (the
    board scores only that rep again)."""
    view = {"specversion": "1.0", "id": f"bench-q-new-{n}-{time.time_ns()}", "source": "bench",
            "type": "rapport.insight.profile.viewed", "time": f"{LAST_DAY.isoformat()}T12:00:00Z", "tenantid": TENANT,
            "data": {"rep_id": rep, "person": {"profile_url": f"https://www.linkedin.com/in/bench-q-new-{n}"}}}

    def views() -> float:
        score = client.get(f"/v1/reps/{rep}/score", params={"date": LAST_DAY.isoformat()}).json()
        return float(next(f["raw"] for f in score["factors"] if f["name"] == "research_actions"))

    before = views()
    if client.post("/v1/events", json=view).status_code != 202:
        raise RuntimeError("the gateway refused a bench event")
    deadline = time.monotonic() + 30
    while views() <= before:
        if time.monotonic() > deadline:
            raise RuntimeError("a bench event took over 30 s to reach the score")
        time.sleep(0.01)
    return timed(client, "/v1/leaderboard", {"date": LAST_DAY.isoformat()}, 1)[0]
