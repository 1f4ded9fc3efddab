"""Fixtures shared by the integration and end-to-end tests: the real Kafka broker and PostgreSQL,
started by the project's own scripts, and one whole stack on PostgreSQL for the test session.
Infrastructure that cannot start FAILS the tests that need it (pytest.fail), it never skips them.

They live here (not in tests/integration/) so that tests/integration and tests/e2e share one
broker and one stack when they run in one session: two definitions would start two."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rapportkit.kafka import ensure_topics
from stack import infra
from stack.processes import SERVICES, Stack

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# Several test runs can share the machine: each picks its own ports, databases and broker
# (RAPPORT_KAFKA_PORT / RAPPORT_KAFKA_CONTROLLER_PORT select the local broker).
os.environ.setdefault("RAPPORT_KAFKA_PORT", "19092")  # the tests' own broker, emptied per session;
# brokers of their own: the launcher tests on +2..+5, the SQLite erasure scan on +6 (controllers +1)
os.environ.setdefault("RAPPORT_KAFKA_CONTROLLER_PORT", "19093")
GATEWAY_PORT = int(os.environ.get("RAPPORT_TEST_GATEWAY_PORT", "18080"))
DB_PREFIX = os.environ.get("RAPPORT_TEST_DB_PREFIX", "rapport_it")
SMTP_PORT = GATEWAY_PORT + 16  # the SMTP server digest tests start (tests/integration/test_csv_and_digests.py)
# the keyring of what the tests seal and open in process (unit tests, outboxes written by tests); the
# stack's processes get a PostgreSQL one of their own below
(ARTIFACTS / DB_PREFIX).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("KEYRING_DATABASE_URL", f"sqlite:///{ARTIFACTS / DB_PREFIX / 'keyring-tests.db'}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `first` run before all others. The scoring replay reads every topic from its
    start: run last, it replayed the whole session's events (demo data, imports), over a minute of
    the suite; run first, it replays its own. Replay speed at scale is a figure of `make bench`."""
    items.sort(key=lambda item: item.get_closest_marker("first") is None)  # stable: the rest keep their order


@pytest.fixture(scope="session")
def kafka() -> Iterator[str]:
    """The session's broker, emptied at its start and stopped at its end (it was left running after
    `make test`, a tenth of a core for nothing)."""
    try:
        bootstrap = infra.fresh_kafka()
        ensure_topics(bootstrap)
    except (infra.InfraError, RuntimeError) as exc:
        pytest.fail(f"the real Kafka broker could not be started: {exc}")
    yield bootstrap
    infra.stop_kafka()


@pytest.fixture(scope="session")
def postgres() -> None:
    try:
        infra.start_postgres()
    except infra.InfraError as exc:
        pytest.fail(f"PostgreSQL could not be started: {exc}")


@pytest.fixture(scope="session")
def pg_url(postgres: None) -> Iterator[str]:
    """A fresh PostgreSQL database for building-block tests."""
    name = f"{DB_PREFIX}_{uuid.uuid4().hex[:8]}"
    yield infra.fresh_database(name)
    infra.drop_database(name)


@pytest.fixture(scope="session")
def stack(kafka: str, postgres: None) -> Iterator[Stack]:
    """The whole stack (four services with workers, and the gateway) on PostgreSQL."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "RAPPORT_BOOTSTRAP_TOKEN": f"test-{secrets.token_hex(8)}",
        "RAPPORT_INTERNAL_SECRET": secrets.token_hex(32),
        "RAPPORT_DATA_DIR": str(ARTIFACTS / DB_PREFIX),
        "RAPPORT_CONSUMER_BACKOFF_SECONDS": "0.05",
        "RAPPORT_WEBHOOK_ALLOW_PRIVATE": "true",  # the webhook tests' receiver listens on 127.0.0.1
        "RAPPORT_SMTP_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
    }
    for service in (*SERVICES, "gateway", "keyring"):
        env[f"{service.upper()}_DATABASE_URL"] = infra.fresh_database(f"{DB_PREFIX}_{service}")
    os.environ["KEYRING_DATABASE_URL"] = env["KEYRING_DATABASE_URL"]  # the tests open what the stack sealed
    running = Stack(env=env, log_dir=ARTIFACTS / f"{DB_PREFIX}-logs", gateway_port=GATEWAY_PORT,
                    service_base_port=GATEWAY_PORT + 20)
    try:
        running.start()
    except RuntimeError as exc:
        running.stop()
        pytest.fail(f"the stack did not start: {exc}")
    yield running
    running.stop()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    """A client of the stack's gateway with the bootstrap key (platform admin, an admin of tenant demo)."""
    token = stack.env["RAPPORT_BOOTSTRAP_TOKEN"]
    with httpx.Client(base_url=stack.gateway_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        yield c
