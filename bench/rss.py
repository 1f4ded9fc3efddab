"""Peak memory of the stack: the sum of VmRSS (/proc/<pid>/status) over the stack's own processes
(gateway, service APIs, workers; not Kafka, not PostgreSQL), sampled every 0.5 s by a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class RssSampler:
    pids: Callable[[], list[int]]  # asked at each sample: processes come and go
    interval: float = 0.5
    peak_kib: int = 0
    _halt: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._halt.is_set():
            self.peak_kib = max(self.peak_kib, sum(rss_kib(pid) for pid in self.pids()))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kib / 1024, 1)
