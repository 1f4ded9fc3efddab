"""py-spy on every process of the stack during a second end-to-end pass, after the measured one
(BENCH_PROFILE=0 turns it off).

`py-spy record --format raw --nonblocking` runs beside each process until the phase ends (SIGINT
makes it write its collapsed stacks); each is kept as var/bench/profiles/<process>.txt and drawn as
a flame graph, var/bench/profiles/<process>.svg. The summary names the busiest processes (most
samples of a working thread: py-spy leaves idle threads out, and samples whose own frame blocks in
select, a wait or a sleep are set aside) and their top functions by own samples.
Profiling failing (no py-spy, ptrace refused) is reported and never fails the bench.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT

RATE = int(os.environ.get("BENCH_PROFILE_RATE", "40"))
_FRAME = re.compile(r"^(.*) \((.*?)(?::\d+)?\)$")
WAITS = frozenset({"select", "poll", "wait", "sleep", "acquire", "_wait_for_tstate_lock", "wait_for", "accept", "get"})
BLOCKING_MODULES = ("selectors.py", "threading.py", "queue.py", "time.py", "socket.py")


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def short_frame(frame: str) -> str:
    """`func (path/to/file.py:12)` -> `func (file.py)` with the path cut to the package."""
    m = _FRAME.match(frame)
    if not m:
        return frame
    path = m.group(2)
    root = f"{ROOT}/"
    if path.startswith(root):
        path = path[len(root):]
    elif "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    return f"{m.group(1)} ({path})"


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        head, _, count = line.rpartition(" ")
        if head and count.isdigit():
            stacks.append((head.split(";"), int(count)))
    return stacks


def waiting(frame: str) -> bool:
    """A leaf frame that blocks in select, a lock or condition wait or a sleep (py-spy does not
    always see such a thread as idle). A database driver waiting for its server is work."""
    m = _FRAME.match(frame)
    if not m:
        return False
    func, path = m.group(1).rsplit(".", 1)[-1], m.group(2)
    return func in WAITS and (path.endswith(BLOCKING_MODULES) or "asyncio/" in path)


def top_self(stacks: list[tuple[list[str], int]], n: int = 5) -> tuple[list[tuple[str, int]], int]:
    """The `n` functions with the most own samples, blocking ones aside; and the blocking samples."""
    own: Counter[str] = Counter()
    blocked = 0
    for frames, count in stacks:
        if waiting(frames[-1]):
            blocked += count
        else:
            own[short_frame(frames[-1])] += count
    return own.most_common(n), blocked


@dataclass
class Node:
    name: str
    value: int = 0
    children: dict[str, Node] = field(default_factory=dict)


def flame_svg(stacks: list[tuple[list[str], int]], title: str, width: int = 1200) -> str:
    """A flame graph (root at the bottom, widths by samples) with a tooltip per frame."""
    root = Node("all")
    depth = 0
    for frames, count in stacks:
        root.value += count
        node = root
        for frame in frames:
            node = node.children.setdefault(frame, Node(frame))
            node.value += count
        depth = max(depth, len(frames))
    row, top = 16, 30
    height = top + (depth + 1) * row + 10
    scale = (width - 20) / max(root.value, 1)
    rects: list[str] = []

    def draw(node: Node, x: float, level: int) -> None:
        w = node.value * scale
        if w < 0.3:
            return
        y = height - 10 - (level + 1) * row
        hue = int(hashlib.md5(node.name.encode()).hexdigest()[:4], 16)
        color = f"rgb({205 + hue % 50},{80 + hue % 120},{40 + hue % 50})"
        label = html.escape(short_frame(node.name))
        pct = 100 * node.value / max(root.value, 1)
        text = label[: int(w / 7)] if w > 35 else ""
        rects.append(f'<g><title>{label} — {node.value} samples ({pct:.1f}%)</title>'
                     f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" fill="{color}"/>'
                     f'<text x="{x + 3:.1f}" y="{y + 12}">{text}</text></g>')
        for child in sorted(node.children.values(), key=lambda c: c.name):
            draw(child, x, level + 1)
            x += child.value * scale

    draw(root, 10, 0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="monospace" font-size="11">'
            f'<text x="10" y="18" font-size="14">{html.escape(title)} — {root.value} samples</text>'
            + "".join(rects) + "</svg>\n")


@dataclass
class Profiler:
    out_dir: Path
    procs: dict[str, int] = field(default_factory=dict)  # process name -> pid
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    samples: dict[str, int] = field(default_factory=dict)
    tops: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    blocked: dict[str, int] = field(default_factory=dict)

    def start(self, procs: dict[str, int]) -> None:
        exe = py_spy()
        if exe is None:
            self.problems.append("py-spy is not installed (pip install -e '.[dev]')")
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.procs = procs
        for name, pid in procs.items():
            log = open(self.out_dir / f"{name}.py-spy.log", "wb")  # noqa: SIM115 - kept open for the child
            try:
                self.running[name] = subprocess.Popen(
                    [exe, "record", "--pid", str(pid), "--rate", str(RATE), "--nonblocking", "--format", "raw",
                     "--output", str(self.out_dir / f"{name}.txt")], stdout=log, stderr=subprocess.STDOUT)
            except OSError as exc:
                self.problems.append(f"{name}: py-spy did not start: {exc}")
            finally:
                log.close()

    def stop(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for name, proc in self.running.items():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                self.problems.append(f"{name}: py-spy did not stop within 60 s")
            raw = self.out_dir / f"{name}.txt"
            if not raw.exists() or raw.stat().st_size == 0:
                log = (self.out_dir / f"{name}.py-spy.log").read_text(errors="replace").strip().splitlines()
                self.problems.append(f"{name}: no profile (py-spy exited {proc.returncode}: "
                                     f"{log[-1] if log else 'no output'})")
                continue
            stacks = read_stacks(raw)
            self.samples[name] = sum(c for _, c in stacks)
            self.tops[name], self.blocked[name] = top_self(stacks)
            (self.out_dir / f"{name}.svg").write_text(flame_svg(stacks, f"{name} (py-spy, {RATE} Hz)"))

    def report(self, busiest: int = 4) -> list[str]:
        lines = [f"  flame graphs: {self.out_dir}/<process>.svg (collapsed stacks: <process>.txt)"]
        lines += [f"  profiling problem: {p}" for p in self.problems]
        working = {n: self.samples[n] - self.blocked[n] for n in self.samples}
        for name in sorted(working, key=lambda n: -working[n])[:busiest]:
            total = max(self.samples[name], 1)
            lines.append(f"  {name}: {working[name]} working samples ({self.blocked[name]} more blocked in "
                         f"select/wait/sleep); top functions by own samples:")
            lines += [f"    {count * 100 / total:5.1f}%  {func}" for func, count in self.tops[name]]
        return lines
