"""A whole stack for one fuzz run: on SQLite (the embedded default) or PostgreSQL (fresh databases),
with its own broker emptied first, the bootstrap token as the caller and no rate limit (a 429 would
only hide what the fuzzer sends)."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from fuzz.settings import OUT, FuzzSettings
from rapportkit.kafka import ensure_topics
from stack import infra
from stack.processes import SERVICES, Stack


def use_own_broker(settings: FuzzSettings) -> None:
    """Point deploy/local/kafka.sh at the fuzz run's broker (its own port and data directory), so a
    broker of `make run` or of the tests is never emptied."""
    os.environ["RAPPORT_KAFKA_PORT"] = str(settings.kafka_port)
    os.environ["RAPPORT_KAFKA_CONTROLLER_PORT"] = str(settings.kafka_port + 1)


@contextmanager
def running(database: str, settings: FuzzSettings, token: str) -> Iterator[Stack]:
    out = OUT / database
    shutil.rmtree(out / "data", ignore_errors=True)
    shutil.rmtree(out / "logs", ignore_errors=True)
    bootstrap = infra.fresh_kafka()
    ensure_topics(bootstrap)
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "RAPPORT_BOOTSTRAP_TOKEN": token,
           "RAPPORT_INTERNAL_SECRET": secrets.token_hex(32), "RAPPORT_DATA_DIR": str(out / "data"),
           "RAPPORT_LOG_LEVEL": "WARNING", "RAPPORT_RATE_LIMIT_PER_MINUTE": "0"}
    for service in (*SERVICES, "gateway", "keyring"):
        env[f"{service.upper()}_DATABASE_URL"] = (
            infra.fresh_database(f"rapport_fuzz_{settings.gateway_port}_{service}") if database == "postgresql"
            else "")  # empty: the embedded default, a SQLite file per process in RAPPORT_DATA_DIR
    stack = Stack(env=env, log_dir=out / "logs", gateway_port=settings.gateway_port,
                  service_base_port=settings.gateway_port + 100)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
