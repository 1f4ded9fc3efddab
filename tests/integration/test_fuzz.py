"""The short seeded run of `make fuzz` that `make test` includes: schemathesis (examples, fuzzing and
stateful phases) against the session's stack on PostgreSQL, through the gateway, as the admin of a
tenant of its own (so nothing it writes reaches another test's data). Any 5xx, any request over
5 s or any request without an answer fails it. The full run, on both databases and with the
coverage phase too, is `make fuzz` (fuzz/)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from fuzz import runner
from fuzz.settings import FuzzSettings
from stack.processes import Stack
from tests.conftest import ARTIFACTS, DB_PREFIX

pytestmark = pytest.mark.integration

# the key must not revoke itself halfway (make fuzz uses the bootstrap token, which cannot be revoked)
SELF_REVOKING = "DELETE /v1/admin/api-keys/{key_id}"
SHORT = FuzzSettings(max_examples=8, seed=20261120, workers=2, phases=("examples", "fuzzing", "stateful"),
                     exclude=(SELF_REVOKING,))


def test_a_short_seeded_fuzz_run_finds_no_5xx_and_no_slow_request(stack: Stack, client: httpx.Client) -> None:
    tenant = f"fuzz-{uuid.uuid4().hex[:8]}"
    assert client.post("/v1/admin/tenants", json={"tenant_id": tenant, "name": "fuzz"}).status_code == 201
    made = client.post("/v1/admin/api-keys", json={"role": "admin", "tenant_id": tenant, "name": "fuzz"})
    assert made.status_code == 201, made.text
    result = runner.run(stack.gateway_url, made.json()["key"], ARTIFACTS / f"{DB_PREFIX}-fuzz", SHORT,
                        database="postgresql", tenant=tenant, echo=False)
    report = "\n".join(result.lines())
    assert result.log is not None
    assert result.calls, f"schemathesis sent nothing:\n{result.log.read_text()[-3000:]}"
    operations = {f"{method.upper()} {path}" for path, item in client.get("/openapi.json").json()["paths"].items()
                  for method in item}
    assert result.operations == operations - {SELF_REVOKING}, report
    assert not result.server_errors and not result.slow and not result.unanswered, report
    assert any(json.loads(line).get("status") == 202 for line in (result.log.parent / "calls.jsonl").open()
               if '"POST /v1/events"' in line), "no valid event was accepted"
