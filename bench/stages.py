"""Rate of each stage of the pipeline during the end-to-end phase, from the processes' counters.

The stages, in pipeline order:

- gateway accept: events in 202 answers to the bench's clients (measured client side);
- service ingest commit: `<svc>_events_ingested_total{outcome="accepted"}` of the service APIs;
- relay publish: `<svc>_outbox_published_total` of the service workers (not scoring's own);
- scoring consumer apply: `scoring_events_consumed_total{outcome="applied"}`;
- scorer: `scoring_rep_days_scored_total` (rep-days; done when it stops moving after the apply).

A sampler thread reads the counters every 0.5 s (each read renders a process's whole /metrics page;
at 0.2 s the scrapes were 3 % of the scoring worker's samples). A stage's rate is over its own span: the events it
counted after the sample where its counter first moved, up to the sample where it reached the
total, over that time. A stage fed
by a slower one upstream can go no faster than its feeder, so the bottleneck is the most upstream
stage within 10 % of the lowest rate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.common import scrape
from stack.processes import SERVICES, Stack

OWNERS = tuple(s for s in SERVICES if s != "scoring")
Counter = Callable[[httpx.Client], float]
SAMPLE_SECONDS = 0.5


@dataclass
class Stage:
    name: str
    unit: str
    count: float = 0.0
    first: float | None = None  # seconds since the phase started: the sample where it first moved
    done: float | None = None
    at_first: float = 0.0  # its count at that sample (a stage commits in batches)

    def rate(self) -> float:
        if self.first is None or self.done is None:
            return float("nan")
        if self.done - self.first < SAMPLE_SECONDS:  # all within one sample
            return self.count / SAMPLE_SECONDS
        return (self.count - self.at_first) / (self.done - self.first)


def counters(stack: Stack) -> dict[str, Counter]:
    port = {name: proc.port for name, proc in stack.procs.items()}

    def ingested(c: httpx.Client) -> float:
        return sum(scrape(c, port[s], f"{s}_events_ingested_total", lambda lb: lb.get("outcome") == "accepted")
                   for s in OWNERS)

    def published(c: httpx.Client) -> float:
        return sum(scrape(c, port[f"{s}-worker"], f"{s}_outbox_published_total") for s in OWNERS)

    def applied(c: httpx.Client) -> float:
        return scrape(c, port["scoring-worker"], "scoring_events_consumed_total",
                      lambda lb: lb.get("outcome") == "applied")

    def scored(c: httpx.Client) -> float:
        return scrape(c, port["scoring-worker"], "scoring_rep_days_scored_total")

    return {"service ingest commit": ingested, "relay publish": published,
            "scoring consumer apply": applied, "scorer": scored}


@dataclass
class StageSampler:
    """Samples the stage counters in a thread from `start()` until `stop()`."""

    stack: Stack
    total: int
    interval: float = SAMPLE_SECONDS
    stages: dict[str, Stage] = field(default_factory=dict)
    _counters: dict[str, Counter] = field(default_factory=dict)
    _base: dict[str, float] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    _halt: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    started: float = 0.0

    def start(self) -> None:
        self._counters = counters(self.stack)
        self.stages = {"gateway accept": Stage("gateway accept", "events")}
        with httpx.Client(timeout=10) as c:
            for name, read in self._counters.items():
                self._base[name] = read(c)
                self.stages[name] = Stage(name, "rep-days" if name == "scorer" else "events")
        self.started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="stage-sampler", daemon=True)
        self._thread.start()

    def gateway_accepted(self, events: int, first: float, last: float) -> None:
        """The clients' figure: events in 202 answers, first request sent and last answer received."""
        stage = self.stages["gateway accept"]
        stage.count, stage.first, stage.done = events, first - self.started, last - self.started

    def _run(self) -> None:
        with httpx.Client(timeout=10) as c:
            while not self._halt.is_set():
                self.sample(c)
                self._halt.wait(self.interval)
            self.sample(c)

    def sample(self, c: httpx.Client) -> None:
        now = time.perf_counter() - self.started
        for name, read in self._counters.items():
            value = read(c) - self._base[name]
            if value != value:  # nan: the process did not answer this time
                continue
            stage = self.stages[name]
            if value > 0 and stage.first is None:
                stage.first, stage.at_first = now, value
            if name == "scorer":
                if value > self._last.get(name, 0.0):
                    stage.done, stage.count = now, value
            elif value >= self.total and stage.done is None:
                stage.done, stage.count = now, value
            self._last[name] = value

    def applied(self) -> float:
        return self._last.get("scoring consumer apply", 0.0)

    def wait_scorer_idle(self, quiet: float = 3.0, timeout: float = 300) -> None:
        """Wait until the scorer's counter has not moved for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            done = self.stages["scorer"].done
            if done is not None and time.perf_counter() - self.started - done > quiet:
                return
            time.sleep(0.2)

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def rates(stages: dict[str, Stage], events: int) -> dict[str, float]:
    """Events/s of each stage; the scorer's is the phase's events over its span (its rep-days cover them)."""
    out: dict[str, float] = {}
    for name, stage in stages.items():
        if name == "scorer" and stage.first is not None and stage.done is not None:
            out[name] = events / max(stage.done - stage.first, SAMPLE_SECONDS)
        else:
            out[name] = stage.rate()
    return out


def bottleneck(per_stage: dict[str, float]) -> str:
    known = {k: v for k, v in per_stage.items() if v == v}
    if not known:
        return "unknown"
    lowest = min(known.values())
    return next(k for k, v in known.items() if v <= lowest * 1.1)


def table(stages: dict[str, Stage], events: int) -> list[str]:
    per_stage = rates(stages, events)
    lines = [f"  {'stage':<24} {'count':>9} {'first':>7} {'done':>7} {'events/s':>10}"]
    for name, stage in stages.items():
        first = f"{stage.first:6.1f}s" if stage.first is not None else "      -"
        done = f"{stage.done:6.1f}s" if stage.done is not None else "      -"
        extra = f"   ({stage.rate():,.0f} rep-days/s)" if name == "scorer" and stage.done is not None else ""
        lines.append(f"  {name:<24} {stage.count:>9,.0f} {first} {done} {per_stage[name]:>10,.0f}{extra}")
    lines.append(f"  bottleneck: {bottleneck(per_stage)}")
    return lines
