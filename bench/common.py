"""What every phase of `make bench` shares: sizes and ports from the environment, the bench's
events, Prometheus scraping, percentiles and progress lines."""

from __future__ import annotations

import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from rapportkit.envelope import format_time

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


EVENTS = env_int("BENCH_EVENTS", 20000)
BATCH = env_int("BENCH_BATCH", 500)
CLIENTS = env_int("BENCH_CLIENTS", 2)
# 200: the p99 of 50 probes was their largest, which one stray probe decided (a p99 needs ~100 at least)
FRESHNESS = env_int("BENCH_FRESHNESS", 200)
BACKGROUND_RATE = env_int("BENCH_BACKGROUND_RATE", 500)
BACKGROUND_CLIENTS = env_int("BENCH_BACKGROUND_CLIENTS", 4)
IMPORT_ROWS = env_int("BENCH_IMPORT_ROWS", 50000)
SQLITE_IMPORT_ROWS = env_int("BENCH_SQLITE_IMPORT_ROWS", 15000)
REPLAY_SECONDS = env_int("BENCH_REPLAY_SECONDS", 600)
PROFILE = os.environ.get("BENCH_PROFILE", "1") != "0"
# the profiled pass (after the measured one: py-spy on ~10 processes costs the 2-core machine ~9 %)
PROFILE_EVENTS = env_int("BENCH_PROFILE_EVENTS", EVENTS // 2)
# gateway on BASE-20 (the floor's app on BASE-30), PostgreSQL stack's services on BASE+1..4 (workers +11..14,
# replay +31..32),
# the SQLite stack's gateway on BASE+80 and services on BASE+100+…
PORT_BASE = env_int("BENCH_PORT_BASE", 18500)
REPS = 200
POLL_SECONDS = 0.02  # between two reads of a score a probe waits for (each read costs the stack CPU too)


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def now() -> str:
    """The current time as an event time: live events happen now, and count in today's score."""
    return format_time(datetime.now(UTC))


def event(rep: str, n: int, tenant: str = "demo", *, live: bool = False) -> dict[str, Any]:
    """A message the rep sent: the bulk of the ingest phases. The end-to-end phase's are spread over
    20 days of history; `live` ones (the background load beside the freshness probes) happen now."""
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "bench", "type": "rapport.network.message.sent",
            "time": now() if live else f"2026-11-{1 + n % 20:02d}T10:00:00Z", "tenantid": tenant,
            "data": {"rep_id": rep, "conversation_id": f"c-{n % 997}", "channel": "linkedin",
                     "person": {"profile_url": f"https://www.linkedin.com/in/p{n % 5000}"},
                     "text": "Thanks for the thoughtful post on procurement timelines — how does your team "
                             "handle security reviews?"}}


def profile_view(rep: str, n: int) -> dict[str, Any]:
    """One profile view, now: raises the rep's `research_actions` factor of today by one."""
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "bench", "type": "rapport.insight.profile.viewed",
            "time": now(), "tenantid": "demo",
            "data": {"rep_id": rep, "person": {"profile_url": f"https://www.linkedin.com/in/{rep}-v{n}"}}}


def research_actions(score: dict[str, Any]) -> float:
    return float(next(f["raw"] for f in score["factors"] if f["name"] == "research_actions"))


def visible_views(client: httpx.Client, rep: str) -> float:
    """The rep's profile views as its score of today shows them, read as the dashboard reads it (no
    date: today's); -1 while the rep is unknown."""
    r = client.get(f"/v1/reps/{rep}/score")
    return research_actions(r.json()) if r.status_code == 200 else -1.0


def psycopg_url(sqlalchemy_url: str) -> str:
    """The stack's SQLAlchemy URL of a PostgreSQL database, for psycopg."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def wait_visible(client: httpx.Client, rep: str, at_least: float, started: float, timeout: float = 30) -> float:
    """Poll the rep's score until it shows `at_least` views; seconds since `started`."""
    while visible_views(client, rep) < at_least:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"an event for {rep} took over {timeout:.0f} s to reach the score")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? ([-+0-9.eEinfNa]+)$", re.M)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(client: httpx.Client, port: int, name: str, match: Callable[[dict[str, str]], bool] | None = None) -> float:
    """Sum of the Prometheus samples called `name` (whose labels pass `match`) on 127.0.0.1:port."""
    try:
        text = client.get(f"http://127.0.0.1:{port}/metrics").text
    except httpx.HTTPError:
        return float("nan")
    total = 0.0
    for m in _SAMPLE.finditer(text):
        if m.group(1) != name:
            continue
        labels = dict(_LABEL.findall(m.group(2) or ""))
        if match is None or match(labels):
            total += float(m.group(3))
    return total


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
