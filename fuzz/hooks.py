"""Schemathesis hooks (loaded through `SCHEMATHESIS_HOOKS=fuzz.hooks` by fuzz/runner.py).

- Every answer (and every request that got none) is appended to `FUZZ_CALLS` as one JSON line:
  operation, status, seconds. fuzz/report.py counts the 5xx and the slow requests from it, so the
  verdict does not depend on which checks schemathesis runs or how it groups failures.
- `POST /v1/events` reads its body itself (CloudEvents in several modes), so the body's examples
  are given here: one valid event of every type callers may post (the catalog's minimal example,
  the one the AsyncAPI publishes, in tenant `FUZZ_TENANT`) and one batch of them all. When the
  OpenAPI declares no body for the route, its JSON Schema is added too (any event of the catalog,
  or an array of them), so the fuzzing phase generates events rather than empty bodies.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import requests
import schemathesis
from schemathesis import Case, HookContext, Response

from gateway.contracts import example_event
from rapportkit.catalog import EVENT_TYPES, INGESTIBLE_TYPES, event_schema

EVENTS_PATH = "/v1/events"
_lock = threading.Lock()


def example_events(tenant: str) -> dict[str, dict[str, Any]]:
    """OpenAPI `examples`: one valid event per ingestible type, and a batch of all of them."""
    examples: dict[str, dict[str, Any]] = {}
    for name in INGESTIBLE_TYPES:
        event = {**example_event(EVENT_TYPES[name]), "tenantid": tenant, "source": "rapport/fuzz"}
        examples[name] = {"summary": f"one {name}", "value": event}
    examples["batch"] = {"summary": "one event of every type", "value": [e["value"] for e in examples.values()]}
    return examples


def events_body_schema() -> dict[str, Any]:
    one = {"anyOf": [{k: v for k, v in event_schema(t).items() if k not in ("$schema", "$id")}
                     for t in INGESTIBLE_TYPES]}
    return {"anyOf": [one, {"type": "array", "minItems": 1, "maxItems": 5, "items": one}]}


def add_event_examples(raw_schema: dict[str, Any], tenant: str) -> None:
    operation = raw_schema.get("paths", {}).get(EVENTS_PATH, {}).get("post")
    if operation is None:
        return
    body = operation.setdefault("requestBody", {"required": True, "content": {}})
    content = body.setdefault("content", {})
    if not content:
        content["application/json"] = {"schema": events_body_schema()}
    for media_type, declared in content.items():
        if "json" in media_type and "examples" not in declared and "example" not in declared:
            declared["examples"] = example_events(tenant)


def record(line: dict[str, Any]) -> None:
    path = os.environ.get("FUZZ_CALLS")
    if not path:
        return
    text = json.dumps(line) + "\n"
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(text)


@schemathesis.hook
def before_load_schema(context: HookContext, raw_schema: dict[str, Any]) -> None:
    add_event_examples(raw_schema, os.environ.get("FUZZ_TENANT", "demo"))


@schemathesis.hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    record({"op": case.operation.label, "path": case.formatted_path, "status": response.status_code,
            "seconds": round(response.elapsed, 4)})


@schemathesis.hook
def after_network_error(context: HookContext, case: Case[Any], request: requests.PreparedRequest) -> None:
    record({"op": case.operation.label, "path": case.formatted_path, "status": None, "seconds": None})
