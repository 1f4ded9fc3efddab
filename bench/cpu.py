"""Where the end-to-end phase's CPU goes: the CPU seconds of every process of the stack, of the
PostgreSQL server and of the broker over the phase, read from /proc (utime + stime).

On the 2-core reference machine the phase keeps the cores nearly busy, so the rate is the cores
over the CPU an event costs, and this table says which process spends it. PostgreSQL is the server
and its backends: each live child's time, and the time of the children it has reaped (`cutime` +
`cstime`), so a connection that closed during the phase still counts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
CORES = len(os.sched_getaffinity(0))
BUSY = 0.85  # the share of every core above which the phase is called CPU-bound


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _ticks(fields: list[str], *, reaped: bool = False) -> int:
    """utime + stime (fields 14 and 15 of stat), and with `reaped` cutime + cstime (16 and 17)."""
    return sum(int(f) for f in fields[11:15 if reaped else 13])


def seconds(pid: int) -> float:
    """CPU seconds of a process so far (user + system); 0 once it is gone."""
    fields = _stat(pid)
    return _ticks(fields) / TICK if fields else 0.0


def tree_seconds(pid: int) -> float:
    """CPU seconds of a process, of its live children, and of the children it has reaped."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = _ticks(fields, reaped=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            child = _stat(int(entry.name))
            if child is not None and child[1] == str(pid):
                ticks += _ticks(child)
    return ticks / TICK


class CpuMeter:
    """Reads the CPU seconds of named processes: `pids` counted alone, `trees` with their children."""

    def __init__(self, pids: Mapping[str, int], trees: Mapping[str, int]):
        self.pids, self.trees = dict(pids), dict(trees)

    def read(self) -> dict[str, float]:
        return {**{name: seconds(pid) for name, pid in self.pids.items()},
                **{name: tree_seconds(pid) for name, pid in self.trees.items()}}


def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds per process between two readings, costliest first."""
    used = {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}
    return dict(sorted(used.items(), key=lambda kv: -kv[1]))


def busy_percent(used: Mapping[str, float], wall: float, cores: int) -> float:
    """The share of all cores the processes kept busy over `wall` seconds."""
    return 100 * sum(used.values()) / (wall * cores) if wall > 0 and cores > 0 else float("nan")


def table(used: Mapping[str, float], events: int, wall: float, cores: int) -> list[str]:
    """µs of CPU per event and share of one core, per process, then the verdict."""
    lines = [f"  {'process':<24} {'µs/event':>9} {'of a core':>10}"]
    for name, secs in used.items():
        lines.append(f"  {name:<24} {secs / events * 1e6:>9,.0f} {100 * secs / wall:>9.0f}%")
    total, busy = sum(used.values()), busy_percent(used, wall, cores)
    lines.append(f"  {'all':<24} {total / events * 1e6:>9,.0f} {100 * total / wall:>9.0f}%")
    verdict = ("CPU-bound: the rate is the cores over the CPU an event costs" if busy >= BUSY * 100
               else "not CPU-bound: some stage waits (the stage rates above name it)")
    lines.append(f"  the {cores} cores were {busy:.0f} % busy: {verdict}")
    return lines
