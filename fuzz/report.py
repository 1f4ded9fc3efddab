"""What a fuzz run found: cases, answers by status class, the 5xx and the slow requests.

Read from the calls fuzz/hooks.py recorded (one JSON line per request) and from schemathesis's
own JSON report (the number of test cases it generated)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NET_LOG = "the database refused a value of the request"


@dataclass
class Call:
    op: str
    path: str
    status: int | None  # None: no answer (connection error or timeout)
    seconds: float | None


@dataclass
class Result:
    database: str
    cases: int  # test cases schemathesis generated
    calls: list[Call] = field(default_factory=list)
    slow_seconds: float = 5.0
    exit_code: int = 0
    log: Path | None = None
    unnamed: int = 0  # 422s of the database safety net (rapportkit/web.py): an edge rule is missing

    @property
    def server_errors(self) -> list[Call]:
        return [c for c in self.calls if c.status is not None and c.status >= 500]

    @property
    def unanswered(self) -> list[Call]:
        return [c for c in self.calls if c.status is None]

    @property
    def slow(self) -> list[Call]:
        return [c for c in self.calls if c.seconds is not None and c.seconds > self.slow_seconds]

    @property
    def operations(self) -> set[str]:
        return {c.op for c in self.calls}

    @property
    def ok(self) -> bool:
        return not (self.server_errors or self.unanswered or self.slow or self.unnamed) and self.calls != []

    def lines(self) -> list[str]:
        by_class = Counter(f"{c.status // 100}xx" if c.status else "none" for c in self.calls)
        out = [f"fuzz on {self.database}: {self.cases:,} cases, {len(self.calls):,} requests to "
               f"{len(self.operations)} operations; answers "
               + ", ".join(f"{k} {v:,}" for k, v in sorted(by_class.items())),
               f"  5xx: {len(self.server_errors)}   slow (> {self.slow_seconds:g} s): {len(self.slow)}   "
               f"without an answer: {len(self.unanswered)}   values only the database refused: {self.unnamed}"]
        for title, calls in (("5xx", self.server_errors), ("slow", self.slow), ("no answer", self.unanswered)):
            for (op, status), count in Counter((c.op, c.status) for c in calls).most_common(20):
                worst = max((c.seconds or 0 for c in calls if c.op == op), default=0)
                example = next(c.path for c in calls if c.op == op)
                out.append(f"  {title}: {op} → {status} ×{count} (slowest {worst:.1f} s), e.g. {example[:120]}")
        return out


def safety_net_hits(log_dir: Path) -> int:
    """Requests the database refused a value of (logged by rapportkit/web.py): 422s that name no field."""
    return sum(path.read_text(errors="replace").count(NET_LOG) for path in log_dir.glob("*.log"))


def read_calls(path: Path) -> list[Call]:
    if not path.exists():
        return []
    calls = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row: dict[str, Any] = json.loads(line)
        calls.append(Call(op=row["op"], path=row["path"], status=row["status"], seconds=row["seconds"]))
    return calls


def generated_cases(report: Path) -> int:
    """Test cases schemathesis generated (its JSON report), 0 when it wrote none."""
    try:
        return int(json.loads(report.read_text(encoding="utf-8")).get("test_cases", {}).get("generated", 0))
    except (OSError, ValueError):  # none, or cut short by an interrupted run
        return 0
