"""`make run`'s supervisor: a process of the stack that exits is started again, with backoff.

Policy (docs/architecture.md, "Processes"): the k-th exit of one process within the window is
followed by a restart after min(0.25 s × 2^(k-1), 8 s); an exit beyond `limit` restarts within
`window` seconds gives up: the launcher stops everything and exits non-zero. `limit` 0 turns
restarts off (any exit stops the stack). Only the launcher supervises: the test and bench stacks
(stack.processes.Stack alone) never restart a process, so a crash there fails what was measured.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from stack.processes import Stack


class GaveUp(RuntimeError):
    pass


@dataclass(frozen=True)
class RestartPolicy:
    limit: int = 5
    window: float = 300.0
    first_delay: float = 0.25
    max_delay: float = 8.0

    @classmethod
    def from_env(cls) -> RestartPolicy:
        return cls(limit=int(os.environ.get("RAPPORT_RESTART_LIMIT", "5")),
                   window=float(os.environ.get("RAPPORT_RESTART_WINDOW_SECONDS", "300")))

    def delay(self, exits: int) -> float:
        """Seconds before the restart that follows the `exits`-th exit within the window."""
        return float(min(self.first_delay * 2 ** (exits - 1), self.max_delay))


def describe_exit(code: int) -> str:
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


@dataclass
class Supervisor:
    stack: Stack
    policy: RestartPolicy
    say: Callable[[str], None]
    should_stop: Callable[[], bool]
    exits: dict[str, list[float]] = field(default_factory=dict)  # by process: times of its recent exits
    due: dict[str, float] = field(default_factory=dict)  # by process: when to start it again
    recovering: dict[str, float] = field(default_factory=dict)  # by process: when it was started again

    def check(self) -> None:
        """One round: note exits, start what is due, report what is ready again. Raises GaveUp."""
        now = time.monotonic()
        for name, proc in self.stack.procs.items():
            if self.should_stop():
                return
            if name in self.due:
                if now >= self.due[name]:
                    del self.due[name]
                    self.stack.relaunch(name)
                    self.recovering[name] = now
                    assert proc.popen is not None
                    self.say(f"{name} started again (pid {proc.popen.pid})")
                continue
            code = proc.popen.poll() if proc.popen is not None else None
            if code is not None:
                self._exited(name, code, now)
        self._report_recovered()

    def _exited(self, name: str, code: int, now: float) -> None:
        recent = [t for t in self.exits.get(name, []) if now - t < self.policy.window] + [now]
        self.exits[name] = recent
        self.recovering.pop(name, None)
        log = self.stack.log_dir / f"{name}.log"
        if len(recent) > self.policy.limit:
            why = ("restarts are off (RAPPORT_RESTART_LIMIT=0)" if self.policy.limit == 0 else
                   f"it exited {len(recent)} times within {self.policy.window:.0f} s")
            raise GaveUp(f"{name} exited ({describe_exit(code)}) and {why}: giving up, stopping the stack "
                         f"(log: {log}); its log ends with:\n{self.stack.log_tail(name)}")
        delay = self.policy.delay(len(recent))
        self.say(f"{name} exited ({describe_exit(code)}); starting it again in {delay:g} s "
                 f"(exit {len(recent)} of {self.policy.limit} allowed within {self.policy.window:.0f} s; "
                 f"log: {log})")
        self.due[name] = now + delay

    def _report_recovered(self) -> None:
        if not self.recovering:
            return
        with httpx.Client(timeout=0.5) as client:
            for name, since in list(self.recovering.items()):
                if self.stack.probe(client, name) is None:
                    del self.recovering[name]
                    self.say(f"{name} is ready again ({time.monotonic() - since:.1f} s after its restart)")
