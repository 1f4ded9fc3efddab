"""The figures of one `make bench` run: var/bench/summary.json (numbers only, ms for times) and the
table printed at the end, beside the raw broker baseline of the same run."""

from __future__ import annotations

import json
import math
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ms, percentile

KEYS = ("raw_producer_msgs_per_s", "e2e_events_per_s", "ratio", "freshness_p50_ms", "freshness_p99_ms",
        "live_freshness_during_import_p99_ms", "reads_during_import_p99_ms", "leaderboard_cold_ms",
        "leaderboard_p99_ms", "score_read_p99_ms", "relationships_p99_ms", "replay_events_per_s", "peak_rss_mb",
        "stages")
COLD = "leaderboard, first read (cold)"
SCORE = "rep score (pillars, factors)"
RELATIONSHIPS = "relationship map of an account"


def number(value: float) -> float | None:
    """JSON has no NaN: a figure a phase could not give is null."""
    return None if math.isnan(value) else round(value, 3)


@dataclass
class Figures:
    raw: float = math.nan
    e2e: float = math.nan
    e2e_seconds: float = math.nan
    fresh: list[float] = field(default_factory=list)
    fresh_hops: dict[str, list[float]] = field(default_factory=dict)  # where the probes' time went
    fresh_first: float = math.nan  # the warm-up probe (bench/freshness.py)
    background_rate: float = math.nan
    live: list[float] = field(default_factory=list)
    live_sqlite: list[float] = field(default_factory=list)
    reads_pg: list[float] = field(default_factory=list)
    reads_sqlite: list[float] = field(default_factory=list)
    import_rate_pg: float = math.nan
    import_rate_sqlite: float = math.nan
    queries: dict[str, list[float]] = field(default_factory=dict)
    replay: float = math.nan
    replay_note: str = ""
    peak_rss_mb: float = math.nan
    peak_rss_mb_sqlite: float = math.nan
    board_build_s: float = math.nan  # the scorer building today's board of the loaded reps
    stages: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per event of each process, end to end
    cpu_busy: float = math.nan  # the share of all cores they kept busy meanwhile, %
    floor: float = math.nan  # events/s through the thinnest pipeline of the same parts (bench/floor.py)
    floor_cpu: dict[str, float] = field(default_factory=dict)  # its CPU seconds per event, per process
    sizes: dict[str, int] = field(default_factory=dict)

    def leaderboard_p99(self) -> float:
        warm = [percentile(v, 0.99) for k, v in self.queries.items() if k.startswith("leaderboard") and k != COLD]
        return max(warm) if warm else math.nan

    def summary(self) -> dict[str, Any]:
        p99 = {"postgres": percentile(self.reads_pg, 0.99), "sqlite": percentile(self.reads_sqlite, 0.99)}
        worse = max((v for v in p99.values() if not math.isnan(v)), default=math.nan)
        out: dict[str, Any] = {
            "raw_producer_msgs_per_s": number(self.raw),
            "e2e_events_per_s": number(self.e2e),
            "ratio": number(self.e2e / self.raw),
            "freshness_p50_ms": number(ms(statistics.median(self.fresh)) if self.fresh else math.nan),
            "freshness_p99_ms": number(ms(percentile(self.fresh, 0.99))),
            "live_freshness_during_import_p99_ms": number(ms(percentile(self.live, 0.99))),
            "reads_during_import_p99_ms": number(ms(worse)),
            "leaderboard_cold_ms": number(ms(self.queries[COLD][0]) if self.queries.get(COLD) else math.nan),
            "leaderboard_p99_ms": number(ms(self.leaderboard_p99())),
            "score_read_p99_ms": number(ms(percentile(self.queries.get(SCORE, []), 0.99))),
            "relationships_p99_ms": number(ms(percentile(self.queries.get(RELATIONSHIPS, []), 0.99))),
            "replay_events_per_s": number(self.replay),
            "peak_rss_mb": number(self.peak_rss_mb),
            "stages": {k: number(v) for k, v in self.stages.items()},
            # extras
            "cpu_us_per_event": {k: number(v * 1e6) for k, v in self.cpu.items()},
            "cpu_busy_percent": number(self.cpu_busy),
            "floor_events_per_s": number(self.floor),
            "floor_ratio": number(self.floor / self.raw),
            "floor_cpu_us_per_event": {k: number(v * 1e6) for k, v in self.floor_cpu.items()},
            "reads_during_import_p99_ms_postgres": number(ms(p99["postgres"])),
            "reads_during_import_p99_ms_sqlite": number(ms(p99["sqlite"])),
            "live_freshness_during_import_p50_ms": number(ms(percentile(self.live, 0.5))),
            "live_freshness_during_import_p99_ms_sqlite": number(ms(percentile(self.live_sqlite, 0.99))),
            "import_apply_events_per_s_postgres": number(self.import_rate_pg),
            "import_apply_events_per_s_sqlite": number(self.import_rate_sqlite),
            "background_events_per_s": number(self.background_rate),
            "freshness_first_ms": number(ms(self.fresh_first)),
            "freshness_max_ms": number(ms(max(self.fresh, default=math.nan))),
            "freshness_hops_ms": {hop: {"p50": number(ms(percentile(v, 0.5))), "p99": number(ms(percentile(v, 0.99)))}
                                  for hop, v in self.fresh_hops.items()},
            "peak_rss_mb_sqlite": number(self.peak_rss_mb_sqlite),
            "board_build_s": number(self.board_build_s),
            "queries_p99_ms": {k: number(ms(percentile(v, 0.99))) for k, v in self.queries.items()},
            "sizes": self.sizes,
        }
        return out


def write(figures: Figures, path: Path) -> dict[str, Any]:
    data = figures.summary()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return data


def fmt(value: Any, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:,.0f}{' ' + unit if unit else ''}"


def table(data: dict[str, Any], figures: Figures, path: Path) -> list[str]:
    s = figures.sizes
    rows = [
        ("raw kafka-python producer", fmt(data["raw_producer_msgs_per_s"], "msgs/s"),
         "acks=all, same broker, same run: the baseline"),
        ("end to end (gateway→scoring)", fmt(data["e2e_events_per_s"], "events/s"),
         f"{s.get('events')} events in {figures.e2e_seconds:.1f} s" + (", without py-spy (a second pass of "
                                                                       f"{s.get('profiled_events')} had it)"
                                                                       if s.get("profiled_events") else "")),
        ("floor: HTTP → Kafka → parse", fmt(data["floor_events_per_s"], "events/s"),
         f"ratio to raw {data['floor_ratio'] or math.nan:.3f}; "
         f"{fmt(sum(v for v in data['floor_cpu_us_per_event'].values() if v), 'µs')} CPU an event (bench/floor.py)"),
        ("ratio end-to-end / raw", f"{data['ratio'] or math.nan:.3f}", ""),
        ("CPU per event, end to end", fmt(sum(v for v in data["cpu_us_per_event"].values() if v), "µs"),
         f"{fmt(data['cpu_busy_percent'])} % of {s.get('cores')} cores busy; "
         + ", ".join(f"{k} {fmt(v)}" for k, v in list(data["cpu_us_per_event"].items())[:4])),
        ("freshness p50 / p99 under load", f"{fmt(data['freshness_p50_ms'])} / {fmt(data['freshness_p99_ms'], 'ms')}",
         f"{len(figures.fresh)} probes (max {fmt(data['freshness_max_ms'])}; the warm-up one "
         f"{fmt(data['freshness_first_ms'], 'ms')}), background {figures.background_rate:,.0f} events/s"),
        ("live freshness during import p99", fmt(data["live_freshness_during_import_p99_ms"], "ms"),
         f"{len(figures.live)} probes, {s.get('import_rows')}-row import; SQLite "
         f"{fmt(data['live_freshness_during_import_p99_ms_sqlite'], 'ms')}"),
        ("reads during import p99 (worse)", fmt(data["reads_during_import_p99_ms"], "ms"),
         f"PostgreSQL {fmt(data['reads_during_import_p99_ms_postgres'], 'ms')} ({len(figures.reads_pg)} reads), "
         f"SQLite {fmt(data['reads_during_import_p99_ms_sqlite'], 'ms')} ({len(figures.reads_sqlite)} reads, "
         f"{s.get('sqlite_import_rows')}-row import)"),
        ("import applied (from upload)", fmt(data["import_apply_events_per_s_postgres"], "events/s"),
         f"SQLite {fmt(data['import_apply_events_per_s_sqlite'], 'events/s')}"),
        ("leaderboard cold / p99", f"{fmt(data['leaderboard_cold_ms'])} / {fmt(data['leaderboard_p99_ms'], 'ms')}",
         f"{s.get('query_reps'):,} reps, {s.get('query_events'):,} events loaded; the scorer built today's "
         f"board in {fmt(data['board_build_s'], 's')}"),
        ("rep score read p99", fmt(data["score_read_p99_ms"], "ms"), ""),
        ("relationship map read p99", fmt(data["relationships_p99_ms"], "ms"), "target ≤ 100 ms"),
        ("replay (new consumer group)", fmt(data["replay_events_per_s"], "events/s"), figures.replay_note),
        ("peak RSS of the stack (no Kafka)", fmt(data["peak_rss_mb"], "MB"),
         f"SQLite stack {fmt(data['peak_rss_mb_sqlite'], 'MB')}"),
    ]
    lines = [f"Rapport benchmark (PostgreSQL unless said, local Kafka 4.x KRaft, {os.cpu_count()} cores) — {path}"]
    lines += [f"  {name:<34} {value:>20}   {note}".rstrip() for name, value, note in rows]
    lines += [f"    {hop:<44} p50 {fmt(v['p50'])} / p99 {fmt(v['p99'], 'ms')}"
              for hop, v in data["freshness_hops_ms"].items()]
    return lines
