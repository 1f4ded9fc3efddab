"""The project's local infrastructure scripts (deploy/local), called from Python."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "deploy" / "local"


class InfraError(RuntimeError):
    pass


class Stopped(InterruptedError):
    """A stop was asked for (`should_stop` turned true) while waiting for something to start."""


def _script(name: str, *args: str, should_stop: Callable[[], bool] | None = None) -> str:
    """Run deploy/local/<name> in a process group of its own, so that a Ctrl-C in the terminal
    reaches the caller only (which then stops, in order, what the script started, e.g. the broker).
    When `should_stop` turns true meanwhile, the script and everything it started get SIGTERM."""
    proc = subprocess.Popen(["bash", str(SCRIPTS / name), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, process_group=0)
    deadline = time.monotonic() + 900
    while True:
        try:
            out, err = proc.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if should_stop is not None and should_stop():
                _end_group(proc, signal.SIGTERM)
                raise Stopped(f"deploy/local/{name} {' '.join(args)} interrupted") from None
            if time.monotonic() > deadline:
                _end_group(proc, signal.SIGKILL)
                raise InfraError(f"deploy/local/{name} {' '.join(args)} took over 900 s") from None
    if proc.returncode != 0:
        raise InfraError(f"deploy/local/{name} {' '.join(args)} failed:\n{err[-4000:]}")
    return out.strip()


def _end_group(proc: subprocess.Popen[str], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(proc.pid, signum)
    proc.communicate()


def kafka_port() -> int:
    return int(os.environ.get("RAPPORT_KAFKA_PORT", "9092"))


def kafka_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", kafka_port()), timeout=1).close()
        return True
    except OSError:
        return False


def start_kafka(should_stop: Callable[[], bool] | None = None) -> str:
    """Start (or find) the local broker; returns its bootstrap address. Raises Stopped when
    `should_stop` turns true first (the half-started broker got SIGTERM; `stop_kafka` waits for it)."""
    _script("kafka.sh", "start", should_stop=should_stop)
    return f"127.0.0.1:{kafka_port()}"


def start_postgres() -> None:
    _script("postgres.sh", "start")


def database_url(name: str) -> str:
    """The SQLAlchemy URL of database `name` on the local cluster."""
    return _script("postgres.sh", "url", name)


def fresh_database(name: str) -> str:
    """Drop and create database `name` on the local cluster; returns its SQLAlchemy URL."""
    _script("postgres.sh", "dropdb", name)
    _script("postgres.sh", "createdb", name)
    return database_url(name)


def stop_kafka() -> None:
    _script("kafka.sh", "stop")


def kill_kafka() -> None:
    """SIGKILL the local broker (no clean shutdown), as a crash would; start it again with `start_kafka`."""
    _script("kafka.sh", "kill")


def fresh_kafka() -> str:
    """A broker with empty storage (tests): stop the one on KAFKA_PORT, delete its data, start it."""
    _script("kafka.sh", "reset")
    return start_kafka()


def drop_database(name: str) -> None:
    _script("postgres.sh", "dropdb", name)


def kafka_pid() -> int:
    """The process id of the local broker on KAFKA_PORT (started by deploy/local/kafka.sh)."""
    return int(_script("kafka.sh", "pid"))


def postgres_pid() -> int:
    """The process id of the local PostgreSQL server (its postmaster; the backends are its children)."""
    return int(_script("postgres.sh", "pid"))
