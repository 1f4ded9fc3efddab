"""Integration tests use the fixtures of tests/conftest.py (the real Kafka broker, PostgreSQL and
a whole stack), shared with tests/e2e. Only constants are re-exported here: importing a fixture
into this module would define it a second time and start a second stack."""

from tests.conftest import ARTIFACTS, DB_PREFIX, GATEWAY_PORT

__all__ = ["ARTIFACTS", "DB_PREFIX", "GATEWAY_PORT"]
