"""Start, watch and stop the processes of one Rapport stack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from stack.infra import ROOT, Stopped

SERVICES = ("insight", "network", "content", "scoring")
# The services' largest request head: the gateway signs a manager's reps into a header (docs/gateway.md,
# "Identity and access"), beyond h11's default 16 KiB for a manager of a few hundred reps.
SERVICE_HEAD_BYTES = 1_048_576


def is_service_api(app: str) -> bool:
    return app.startswith("services.") and app.endswith(".main:app")


@dataclass
class Proc:
    name: str
    app: str
    port: int
    popen: subprocess.Popen[bytes] | None = None


@dataclass
class Stack:
    """A gateway on `gateway_port`; service APIs on base+1..4, their workers on base+11..14."""

    env: dict[str, str]
    log_dir: Path
    gateway_port: int = 8080
    service_base_port: int = 8100
    procs: dict[str, Proc] = field(default_factory=dict)
    # more environment for one process, by process name (e.g. its own RAPPORT_CONSUMER_GROUP)
    proc_env: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(SERVICES, start=1):
            self.procs[name] = Proc(name, f"services.{name}.main:app", self.service_base_port + i)
            self.procs[f"{name}-worker"] = Proc(f"{name}-worker", f"services.{name}.worker:app",
                                                self.service_base_port + 10 + i)
        self.procs["gateway"] = Proc("gateway", "gateway.main:app", self.gateway_port)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def process_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env, "RAPPORT_GATEWAY_PORT": str(self.gateway_port)}
        for name in SERVICES:
            env[f"RAPPORT_{name.upper()}_URL"] = f"http://127.0.0.1:{self.procs[name].port}"
        return env

    def start(self, timeout: float = 120, should_stop: Callable[[], bool] | None = None) -> None:
        """Start every process at once and wait until all are ready (a worker waits for its API
        to migrate the database: `wait_for_head`; the gateway migrates its own); raises Stopped
        as soon as `should_stop` turns true (what was started is still running: call `stop`)."""
        names = list(self.procs)
        self._launch(names)
        self.wait_ready(names, timeout, should_stop)

    def add(self, name: str, app: str, port: int, env: dict[str, str], timeout: float = 120, *,
            wait: bool = True) -> None:
        """Start one more process beside the stack (e.g. a replay of a service into another
        database). With `wait=False` it returns at once: add several, then `wait_ready` them together."""
        self.procs[name] = Proc(name, app, port)
        self._launch([name], extra_env=env)
        if wait:
            self.wait_ready([name], timeout)

    def remove(self, name: str) -> None:
        """Stop a process started with `add` and forget it."""
        proc = self.procs.pop(name)
        if proc.popen is not None and proc.popen.poll() is None:
            proc.popen.send_signal(signal.SIGTERM)
            try:
                proc.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(timeout=10)

    def _launch(self, names: list[str], extra_env: dict[str, str] | None = None) -> None:
        for name in names:
            env = {**self.process_env(), **self.proc_env.get(name, {}), **(extra_env or {})}
            proc = self.procs[name]
            log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the child
            head = ["--h11-max-incomplete-event-size", str(SERVICE_HEAD_BYTES)] if is_service_api(proc.app) else []
            proc.popen = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", proc.app, "--host", "127.0.0.1", "--port", str(proc.port),
                 "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "20", *head],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            log.close()

    def relaunch(self, name: str) -> None:
        """Start `name` again after it exited, without waiting for it (the launcher's supervisor)."""
        self._launch([name])

    def wait_ready(self, names: list[str], timeout: float, should_stop: Callable[[], bool] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names)
        last: dict[str, str] = {}
        with httpx.Client(timeout=2) as client:
            while pending:
                for name in list(pending):
                    if should_stop is not None and should_stop():
                        raise Stopped(f"stopped while waiting for {', '.join(pending)}")
                    proc = self.procs[name]
                    if proc.popen is not None and proc.popen.poll() is not None:
                        raise RuntimeError(f"{name} exited with {proc.popen.returncode}; "
                                           f"log tail:\n{self.log_tail(name)}")
                    not_ready = self.probe(client, name)
                    if not_ready is None:
                        pending.remove(name)
                    else:
                        last[name] = not_ready
                if pending and time.monotonic() > deadline:
                    details = "; ".join(f"{n}: {last.get(n, '?')}" for n in pending)
                    raise RuntimeError(f"not ready after {timeout:.0f} s: {details}")
                time.sleep(0.2)

    def probe(self, client: httpx.Client, name: str) -> str | None:
        """None when `name` answers /ready with 200, else why not."""
        try:
            r = client.get(f"http://127.0.0.1:{self.procs[name].port}/ready")
        except httpx.HTTPError as exc:
            return repr(exc)
        return None if r.status_code == 200 else r.text

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def kill(self, name: str) -> None:
        """SIGKILL one process (no graceful shutdown), as a crash would."""
        proc = self.procs[name]
        if proc.popen is not None and proc.popen.poll() is None:
            proc.popen.send_signal(signal.SIGKILL)
            proc.popen.wait(timeout=30)

    def restart(self, name: str, timeout: float = 120) -> None:
        self.kill(name)
        self._launch([name])
        self.wait_ready([name], timeout)

    def stop(self, timeout: float = 30) -> None:
        running = [p for p in self.procs.values() if p.popen is not None and p.popen.poll() is None]
        for proc in running:
            assert proc.popen is not None
            proc.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            assert proc.popen is not None
            try:
                proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(timeout=10)
