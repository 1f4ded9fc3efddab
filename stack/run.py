"""`make run`: bring up the whole stack on the embedded default and print where to look.

Starts the local Kafka broker unless KAFKA_BOOTSTRAP_SERVERS is set, creates the topics, starts
the four services (API + worker each) and the gateway, waits until all are ready, loads the demo
data set into tenant demo (stack/demo.py; RAPPORT_DEMO=0 skips it), prints the gateway URL and
token, and stops everything it started on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import httpx

from rapportkit.kafka import ensure_topics
from stack import demo, infra
from stack.processes import Stack


def main() -> int:
    env: dict[str, str] = {}
    token = os.environ.get("RAPPORT_BOOTSTRAP_TOKEN") or f"rp_boot_{secrets.token_urlsafe(24)}"
    env["RAPPORT_BOOTSTRAP_TOKEN"] = token
    env["RAPPORT_INTERNAL_SECRET"] = os.environ.get("RAPPORT_INTERNAL_SECRET") or secrets.token_hex(32)
    data_dir = Path(os.environ.get("RAPPORT_DATA_DIR", "var")).resolve()
    env["RAPPORT_DATA_DIR"] = str(data_dir)
    started_kafka = False
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    if not bootstrap:
        started_kafka = not infra.kafka_running()
        if started_kafka:
            print("starting the local Kafka broker (the first run fetches its jars through Maven)…", flush=True)
        bootstrap = infra.start_kafka()
    env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    created = ensure_topics(bootstrap)
    if created:
        print(f"created {len(created)} topics", flush=True)
    port = int(os.environ.get("RAPPORT_GATEWAY_PORT", "8080"))
    stack = Stack(env=env, log_dir=data_dir / "logs", gateway_port=port)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print("starting services…", flush=True)
        stack.start()
        if os.environ.get("RAPPORT_DEMO", "1") != "0":
            load_demo(stack.gateway_url, token, data_dir, stop)
        databases = {s: os.environ.get(f"{s.upper()}_DATABASE_URL") or f"sqlite:{data_dir / (s + '.db')}"
                     for s in ("insight", "network", "content", "scoring", "gateway")}
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
        while not stop.wait(1.0):
            dead = [p.name for p in stack.procs.values() if p.popen is not None and p.popen.poll() is not None]
            if dead:
                print(f"process exited: {', '.join(dead)}; stopping (logs: {data_dir / 'logs'})",
                      file=sys.stderr)
                return 1
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        print("stopping…", flush=True)
        stack.stop()
        if started_kafka:
            infra.stop_kafka()
        print("stopped.", flush=True)


def load_demo(gateway_url: str, token: str, data_dir: Path, stop: threading.Event) -> None:
    """Create tenant demo's directory and post the demo data set (stack/demo.py); idempotent."""
    print("loading the demo data set into tenant demo (RAPPORT_DEMO=0 skips this)…", flush=True)
    try:
        result = demo.load(gateway_url, token, anchor=demo.anchor_day(data_dir), should_stop=stop.is_set,
                           progress=lambda line: print(line, flush=True))
    except (RuntimeError, httpx.HTTPError) as exc:
        print(f"warning: the demo data could not be loaded: {exc}", file=sys.stderr, flush=True)
        return
    for note in result.notes:
        print(f"  note: {note}", flush=True)
    print(f"demo data: {result.accepted} events accepted, {result.duplicates} already there "
          f"(anchored on {result.demo.anchor}); the services apply them within seconds", flush=True)


if __name__ == "__main__":
    sys.exit(main())
