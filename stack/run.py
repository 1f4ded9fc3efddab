"""`make run`: bring up the whole stack on the embedded default, print where to look, supervise it.

Starts the local Kafka broker unless KAFKA_BOOTSTRAP_SERVERS is set, creates the topics, starts
the four services (API + worker each) and the gateway, waits until all are ready, loads the demo
data set into tenant demo (stack/demo.py; RAPPORT_DEMO=0 skips it) and prints the gateway URL and
token. Then it supervises: a process that exits is started again with backoff (stack/supervisor.py).
On Ctrl-C or SIGTERM, at any moment, it stops everything it started. The signal handler only notes
the signal (stack/signals.py); this module's main loop does the rest.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from rapportkit.kafka import ensure_topics
from stack import demo, infra
from stack.processes import Stack
from stack.signals import StopSignals
from stack.supervisor import RestartPolicy, Supervisor

STOP_SECONDS = 15  # the processes' grace at stop, then SIGKILL; the broker's stop follows


def main() -> int:
    signals = StopSignals.install()  # first: a signal from here on stops what was started
    env: dict[str, str] = {}
    token = os.environ.get("RAPPORT_BOOTSTRAP_TOKEN") or f"rp_boot_{secrets.token_urlsafe(24)}"
    env["RAPPORT_BOOTSTRAP_TOKEN"] = token
    env["RAPPORT_INTERNAL_SECRET"] = os.environ.get("RAPPORT_INTERNAL_SECRET") or secrets.token_hex(32)
    data_dir = Path(os.environ.get("RAPPORT_DATA_DIR", "var")).resolve()
    env["RAPPORT_DATA_DIR"] = str(data_dir)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    owns_kafka = not bootstrap and not infra.kafka_running()
    stack: Stack | None = None
    loader: threading.Thread | None = None
    try:
        if not bootstrap:
            if owns_kafka:
                print("starting the local Kafka broker (the first run fetches its jars through Maven)…", flush=True)
            bootstrap = infra.start_kafka(should_stop=signals.is_set)
        env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
        created = ensure_topics(bootstrap, should_stop=signals.is_set)
        if created:
            print(f"created {len(created)} topics", flush=True)
        stack = Stack(env=env, log_dir=data_dir / "logs",
                      gateway_port=int(os.environ.get("RAPPORT_GATEWAY_PORT", "8080")),
                      service_base_port=int(os.environ.get("RAPPORT_SERVICE_BASE_PORT", "8100")))
        print("starting services…", flush=True)
        stack.start(should_stop=signals.is_set)
        if os.environ.get("RAPPORT_DEMO", "1") != "0":
            loader = threading.Thread(target=load_demo, args=(stack.gateway_url, token, data_dir, signals.is_set),
                                      name="demo", daemon=True)
            loader.start()
        return supervise(stack, signals, loader, lambda: announce(stack, token, bootstrap, data_dir))
    except InterruptedError:  # infra.Stopped, or ensure_topics stopped by a signal
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print(f"stopping{f' ({signals.name()})' if signals.is_set() else ''}…", flush=True)
        if stack is not None:
            stack.stop(timeout=STOP_SECONDS)
        if loader is not None:
            loader.join(timeout=5)  # its requests fail at once now that the gateway is gone
        if owns_kafka:
            infra.stop_kafka()
        signals.ignore_from_now()
        print("stopped.", flush=True)


def supervise(stack: Stack, signals: StopSignals, loader: threading.Thread | None,
              announce: Callable[[], None]) -> int:
    """The main loop: until a signal, restart what exits (or give up: GaveUp) and announce the
    stack once the demo data is loaded. Returns 0 once a signal asked to stop."""
    supervisor = Supervisor(stack, RestartPolicy.from_env(), say=say, should_stop=signals.is_set)
    announced = False
    while not signals.wait(0.5):
        supervisor.check()
        if not announced and (loader is None or not loader.is_alive()):
            announce()
            announced = True
    return 0


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def announce(stack: Stack, token: str, bootstrap: str, data_dir: Path) -> None:
    databases = {s: os.environ.get(f"{s.upper()}_DATABASE_URL") or f"sqlite:{data_dir / (s + '.db')}"
                 for s in ("insight", "network", "content", "scoring", "gateway", "keyring")}
    print(f"""
Rapport is up.
  gateway     {stack.gateway_url}   (API docs: {stack.gateway_url}/docs)
  dashboard   {stack.gateway_url}/   (sign in with the token below)
  token       {token}
  kafka       {bootstrap}
  databases   {', '.join(f'{k}={v}' for k, v in databases.items())}
  logs        {data_dir / 'logs'}

  try: curl -H 'Authorization: Bearer {token}' {stack.gateway_url}/health
Press Ctrl-C to stop.""", flush=True)


def load_demo(gateway_url: str, token: str, data_dir: Path, should_stop: Callable[[], bool]) -> None:
    """Create tenant demo's directory and post the demo data set (stack/demo.py); idempotent.
    Runs in a thread of its own, so that the main loop supervises the processes meanwhile."""
    print("loading the demo data set into tenant demo (RAPPORT_DEMO=0 skips this)…", flush=True)
    try:
        result = demo.load(gateway_url, token, anchor=demo.anchor_day(data_dir), should_stop=should_stop,
                           progress=lambda line: print(line, flush=True))
    except (RuntimeError, httpx.HTTPError) as exc:
        if not should_stop():  # else the stack stopped under it: nothing to warn about
            print(f"warning: the demo data could not be loaded: {exc}", file=sys.stderr, flush=True)
        return
    for note in result.notes:
        print(f"  note: {note}", flush=True)
    print(f"demo data: {result.accepted} events accepted, {result.duplicates} already there "
          f"(anchored on {result.demo.anchor}); the services apply them within seconds", flush=True)


if __name__ == "__main__":
    sys.exit(main())
