"""The project's local infrastructure scripts (deploy/local), called from Python."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "deploy" / "local"


class InfraError(RuntimeError):
    pass


def _script(name: str, *args: str) -> str:
    proc = subprocess.run(["bash", str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise InfraError(f"deploy/local/{name} {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return proc.stdout.strip()


def kafka_port() -> int:
    return int(os.environ.get("RAPPORT_KAFKA_PORT", "9092"))


def kafka_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", kafka_port()), timeout=1).close()
        return True
    except OSError:
        return False


def start_kafka() -> str:
    """Start (or find) the local broker; returns its bootstrap address."""
    _script("kafka.sh", "start")
    return f"127.0.0.1:{kafka_port()}"


def start_postgres() -> None:
    _script("postgres.sh", "start")


def fresh_database(name: str) -> str:
    """Drop and create database `name` on the local cluster; returns its SQLAlchemy URL."""
    _script("postgres.sh", "dropdb", name)
    _script("postgres.sh", "createdb", name)
    return _script("postgres.sh", "url", name)


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
