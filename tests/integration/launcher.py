"""The launcher of `make run` (`python -m stack.run`) as a test drives it: started in a session of
its own, its output collected line by line, its processes found through /proc.

Every process the launcher starts (the services, workers and gateway, the deploy/local script and
the Kafka broker it starts) inherits its session, whatever their parent is later (a broker whose
script has exited is the child of init). So "everything it started is gone" is "no live process
left in its session" — a check by pids, not by ports."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from stack.infra import ROOT


def session_processes(sid: int) -> dict[int, str]:
    """The live processes (zombies excluded) of session `sid`: pid → command line."""
    found: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            state, _ppid, _pgrp, session = stat[stat.rindex(")") + 2:].split()[:4]
            if int(session) == sid and state not in ("Z", "X"):
                found[int(entry.name)] = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue  # gone meanwhile
    return found


@dataclass
class Launcher:
    popen: subprocess.Popen[str]
    lines: list[tuple[float, str]] = field(default_factory=list)

    @classmethod
    def start(cls, env: dict[str, str]) -> Launcher:
        """`env` on top of this process's environment; an empty value removes the variable."""
        merged = {k: v for k, v in {**os.environ, **env}.items() if v != ""}
        popen = subprocess.Popen([sys.executable, "-u", "-m", "stack.run"], cwd=ROOT, env=merged, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        launcher = cls(popen)
        threading.Thread(target=launcher._read, daemon=True).start()
        return launcher

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self, last: int = 60) -> str:
        return "\n".join(line for _, line in self.lines[-last:])

    def wait_for(self, text: str, timeout: float) -> bool:
        """True once a line of the output contains `text`; False after `timeout` s or when the launcher exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for _, line in list(self.lines)):
                return True
            if self.popen.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def processes(self) -> dict[int, str]:
        """Everything the launcher started that is still alive, the launcher included."""
        return session_processes(self.pid)

    def process(self, app: str) -> int:
        """The pid of the one live process serving `app` (e.g. services.scoring.worker:app)."""
        pids = [pid for pid, cmd in self.processes().items() if f" {app} " in f" {cmd} "]
        assert len(pids) == 1, f"{app}: {pids}"
        return pids[0]

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def wait_gone(self, timeout: float) -> tuple[int | None, dict[int, str]]:
        """Wait until the launcher and everything it started have exited, up to `timeout` s.
        Returns the launcher's exit code (None if it still runs) and what is still alive."""
        deadline = time.monotonic() + timeout
        code: int | None = None
        left = self.processes()
        while time.monotonic() < deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.popen.wait(timeout=0.2)
            left = self.processes()
            if code is not None and not left:
                break
        return code, left

    def kill_everything(self) -> None:
        """After a failure: SIGKILL what is left, so that the next test starts clean."""
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
