"""The bench's own logic: the synthetic LinkedIn export, stage rates and the bottleneck, py-spy's
collapsed stacks, Prometheus parsing, the summary's keys, the CPU meter and PostgreSQL's statement
table."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import cpu, pgstat, summary
from bench.common import percentile, scrape
from bench.imports import export_zip
from bench.pgstat import Statement
from bench.profile import flame_svg, read_stacks, short_frame, top_self
from bench.stages import Stage, bottleneck, rates
from importers.linkedin import parse_export


def test_the_synthetic_export_yields_one_event_a_row_for_the_rep() -> None:
    result = parse_export(export_zip("rep-x", 500), tenant_id="demo", rep_id="rep-x",
                          rep_profile_url="https://www.linkedin.com/in/rep-x")
    assert len(result.events) == 500
    assert {e["data"]["rep_id"] for e in result.events} == {"rep-x"}
    assert {e["type"] for e in result.events} == {"rapport.network.connection.accepted",
                                                  "rapport.network.message.sent", "rapport.network.message.received"}


def test_stage_rate_counts_from_the_sample_where_the_stage_first_moved() -> None:
    stage = Stage("relay publish", "events", count=1000, first=2.0, done=12.0, at_first=100)
    assert stage.rate() == 90.0
    assert math.isnan(Stage("x", "events").rate())


def test_the_bottleneck_is_the_most_upstream_stage_near_the_lowest_rate() -> None:
    assert bottleneck({"gateway accept": 900, "service ingest commit": 300, "relay publish": 290,
                       "scoring consumer apply": 295}) == "service ingest commit"
    assert bottleneck({"a": 900, "b": 800, "c": 200}) == "c"
    assert bottleneck({"a": math.nan}) == "unknown"


def test_scorer_rate_is_in_events_of_the_phase() -> None:
    stages = {"scorer": Stage("scorer", "rep-days", count=50, first=1.0, done=5.0)}
    assert rates(stages, 4000)["scorer"] == 1000.0


def test_collapsed_stacks_give_own_samples_with_blocking_frames_aside(tmp_path: Path) -> None:
    raw = tmp_path / "p.txt"
    raw.write_text("main (/x/app.py:3);work (/x/app.py:9) 7\n"
                   "main (/x/app.py:3);select (/usr/lib/python3.13/selectors.py:452) 5\n"
                   "main (/x/app.py:3);Connection.wait (/v/site-packages/psycopg/connection.py:1) 2\n")
    stacks = read_stacks(raw)
    top, blocked = top_self(stacks)
    assert top == [("work (/x/app.py)", 7), ("Connection.wait (psycopg/connection.py)", 2)]
    assert blocked == 5
    svg = flame_svg(stacks, "p")
    assert svg.startswith("<svg") and "14 samples" in svg
    assert short_frame("f (/v/site-packages/kafka/a.py:1)") == "f (kafka/a.py)"


def test_scrape_sums_the_samples_whose_labels_match() -> None:
    text = ('# HELP x\nscoring_events_consumed_total{outcome="applied",topic="a"} 3.0\n'
            'scoring_events_consumed_total{outcome="duplicate",topic="a"} 4.0\n'
            'scoring_events_consumed_total{topic="b",outcome="applied"} 5.0\n')
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text=text))
    with httpx.Client(transport=transport) as client:
        assert scrape(client, 1, "scoring_events_consumed_total", lambda lb: lb["outcome"] == "applied") == 8.0
        assert scrape(client, 1, "scoring_events_consumed_total") == 12.0


def test_summary_has_the_issue_keys_and_numbers_only() -> None:
    figures = summary.Figures(raw=1000, e2e=250, fresh=[0.1, 0.2], live=[0.3], reads_pg=[0.01], reads_sqlite=[0.05],
                              queries={summary.COLD: [0.5], "leaderboard, unchanged": [0.02],
                                       summary.SCORE: [0.03]}, replay=800, peak_rss_mb=900, stages={"scorer": 300},
                              fresh_hops={"commit + relay": [0.004, 0.006, 0.040]}, fresh_first=0.9,
                              cpu={"scoring-worker": 0.000185, "kafka": 0.00009}, cpu_busy=87.5, floor=600)
    data = figures.summary()
    assert set(summary.KEYS) <= set(data)
    assert data["ratio"] == 0.25 and data["reads_during_import_p99_ms"] == 50.0
    assert data["leaderboard_cold_ms"] == 500.0 and data["freshness_p99_ms"] == 200.0
    assert data["freshness_hops_ms"]["commit + relay"]["p50"] == 6.0
    assert data["freshness_first_ms"] == 900.0 and data["freshness_max_ms"] == 200.0  # the warm-up probe apart
    assert data["cpu_us_per_event"] == {"scoring-worker": 185.0, "kafka": 90.0} and data["cpu_busy_percent"] == 87.5
    assert data["floor_ratio"] == 0.6

    def numeric(value: Any) -> bool:
        if isinstance(value, dict):
            return all(numeric(v) for v in value.values())
        return value is None or isinstance(value, int | float)

    assert numeric(data)
    assert percentile([], 0.99) != percentile([], 0.99)  # nan


BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_the_cpu_of_a_tree_counts_its_children_live_and_reaped() -> None:
    """PostgreSQL's CPU is its backends': a child's time counts while it runs and after it is gone."""
    me = os.getpid()
    alone, tree = cpu.seconds(me), cpu.tree_seconds(me)
    child = subprocess.Popen([sys.executable, "-c", BURN + "time.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while cpu.seconds(child.pid) < 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu.tree_seconds(me) - tree >= 0.25  # live child
    finally:
        child.kill()
        child.wait()
    assert cpu.tree_seconds(me) - tree >= 0.25  # reaped: in the parent's cutime
    assert cpu.seconds(me) - alone < 0.25  # the process alone did not burn it
    assert cpu.seconds(child.pid) == 0.0  # gone


def test_the_cpu_table_names_the_costliest_process_and_whether_the_cores_were_busy() -> None:
    used = cpu.spent({"gateway": 1.0, "scoring-worker": 2.0}, {"gateway": 1.5, "scoring-worker": 3.8, "kafka": 1.2})
    assert list(used) == ["scoring-worker", "kafka", "gateway"]
    assert cpu.busy_percent(used, wall=2.0, cores=2) == 87.5
    lines = cpu.table(used, events=10000, wall=2.0, cores=2)
    assert lines[1].split()[:2] == ["scoring-worker", "180"]  # 1.8 s over 10,000 events
    assert "CPU-bound" in lines[-1] and "88 %" in lines[-1]
    assert "not CPU-bound" in cpu.table(used, events=10000, wall=4.0, cores=2)[-1]


def test_the_statement_table_gives_time_per_event_and_folds_column_lists() -> None:
    found = [Statement("network", "INSERT INTO network_message (tenant_id, event_id, text) SELECT many.tenant_id "
                       "FROM unnest(...)", 40, 20000, 500.0),
             Statement("scoring", "SELECT fact.rep_id, fact.kind, fact.at, fact.person, fact.account_id, fact.ref "
                       "FROM fact WHERE fact.tenant_id = $1", 17, 256852, 1500.0)]
    lines = pgstat.table(sorted(found, key=lambda s: -s.ms), events=20000)
    assert lines[1].split()[:2] == ["75.0", "75.0%"] and "scoring: SELECT fact.rep_id" in lines[1]
    assert "… FROM fact WHERE" in lines[1]
    assert "network: INSERT INTO network_message (…) SELECT" in lines[2]
    assert lines[-1].split()[0] == "100.0"
