"""The published contracts: the AsyncAPI document of every topic and event type, and the OpenAPI.

`GET /asyncapi.json` (no authentication) serves an AsyncAPI 3.0 document generated from the event
catalog (rapportkit.catalog): one channel per topic and per `.dlq` twin, one message per event type
with its full JSON Schema (envelope + data), the partition key rule of each type, and the headers a
dead-lettered message carries. FastAPI serves the OpenAPI at `/openapi.json` and `/docs`.

Committed copies live in docs/asyncapi.json and docs/openapi.json; tests/unit/test_contracts.py
fails when either drifts from the code. Regenerate both with:

    .venv/bin/python -m gateway.contracts          # writes docs/asyncapi.json and docs/openapi.json
    .venv/bin/python -m gateway.contracts --check  # exit 1 when a committed copy is stale
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response

from rapportkit import outbox
from rapportkit.catalog import (
    ENVELOPE,
    EVENT_TYPES,
    SCHEMA_VERSION,
    TOPICS,
    EventType,
    Schema,
    dlq_topic,
    event_schema,
    wire_schema,
)
from rapportkit.envelope import STRUCTURED_CONTENT_TYPE
from rapportkit.kafka import DEFAULT_PARTITIONS
from rapportkit.relay import CONTENT_TYPE_HEADER, KAFKA_CONTENT_TYPE, LANE_HEADER

ROOT = Path(__file__).resolve().parents[1]
ASYNCAPI_PATH = ROOT / "docs" / "asyncapi.json"
OPENAPI_PATH = ROOT / "docs" / "openapi.json"
REGENERATE = ".venv/bin/python -m gateway.contracts"

# rapportkit.envelope.partition_key: the first of these present in `data` keys the event, else the
# subject, else the id; always prefixed by the tenant. tests/unit/test_contracts.py checks they agree.
KEY_FIELDS = ("rep_id", "account_id", "opportunity_id", "signal_id", "request_id", "content_id")
TENANT_PATTERN = ENVELOPE["properties"]["tenantid"]["pattern"].rstrip("$")

# rapportkit.consumer.ConsumerLoop.dead_letter writes these; a test checks the two agree.
DLQ_HEADERS: dict[str, str] = {
    "rapport-error": "why the message could not be processed (invalid event, handler failure, retries exhausted)",
    "rapport-original-topic": "the topic the message was read from",
    "rapport-original-partition": "its partition (decimal)",
    "rapport-original-offset": "its offset in that partition (decimal)",
    "rapport-consumer-group": "the consumer group that gave up on it (the service's name)",
    "rapport-failed-at": "when it was dead-lettered (ISO 8601, UTC)",
}

# rapportkit.relay writes these: the content type on every message (the CloudEvents Kafka binding's
# structured mode), the lane on the messages of the bulk lane (docs/architecture.md, "Lanes")
EVENT_HEADERS: dict[str, dict[str, Any]] = {
    CONTENT_TYPE_HEADER: {"type": "string", "const": KAFKA_CONTENT_TYPE,
                          "description": "CloudEvents Kafka protocol binding 1.0.2, structured content mode: the "
                                         "value is the whole event in the JSON event format."},
    LANE_HEADER: {"type": "string", "enum": [outbox.BULK],
                  "description": "present (`bulk`) on events of imports, which are paced behind live ones; "
                                 "absent on live events. The value is the same CloudEvent either way."},
}

DOMAIN_TITLES = {
    "directory": "Directory: reps and their teams, published by the gateway.",
    "insight": "Insight: accounts, stakeholders (buying centre), signals and rep research.",
    "network": "Network: connections, conversations and meetings.",
    "content": "Content: items, shares and engagement.",
    "outcome": "Outcomes: leads, opportunities, deals and referrals (owned by scoring).",
    "scoring": "Scoring: daily scores, dark-side alerts and contingency recommendations.",
    "privacy": "Privacy: erasure requests (gateway) and each service's completion.",
}

DESCRIPTION = f"""\
Every event Rapport publishes on Kafka, generated from the event catalog (schema version \
{SCHEMA_VERSION}).

**Envelope.** CloudEvents 1.0 in the structured content mode of the CloudEvents Kafka protocol \
binding 1.0.2: every message carries the header `{CONTENT_TYPE_HEADER}: {KAFKA_CONTENT_TYPE}` \
(so the CloudEvents SDKs' Kafka conversions read it as such) and its value is one JSON object with \
`specversion`, `id`, `source`, `type`, `time`, `tenantid` and `data` required, and `subject`, \
`datacontenttype` (`application/json`) and `traceparent` (W3C trace context) optional. `tenantid` \
(a CloudEvents extension) scopes everything. `time` is when the activity happened (imports carry \
history), in UTC. Types are `rapport.<domain>.<entity>.<verb-past-tense>`.

**Topics.** One per domain, versioned, with a dead-letter twin `<topic>.dlq` each; \
{DEFAULT_PARTITIONS} partitions each as the stack creates them. The domains whose events may carry \
personal data are on `.v2` (`rapport.<domain>.v2`), the directory on `.v1`.

**Sealed personal data (`.v2`).** The fields of `data` marked personal (`x-rapport-sealed.fields` \
of each message: people, message and note text, alert evidence...), any field the schema does \
not declare, and a `subject` that is not one of the event's clear ids travel encrypted in the \
CloudEvents extension attribute `rapportsealed` (AES-256-GCM under a key of the event's person, or \
of its tenant), not in `data`. An internal subscriber opens an event with \
`rapportkit.sealing.open_events` and the platform's keyring (`KEYRING_DATABASE_URL`); the opened \
event is the `x-rapport-sealed.opened` schema (the `.v1` one). Once a person is erased, their key \
is destroyed and their events open to the erased form: the person `{{"email": "erased:<key id>"}}`, \
the same for all of that person's events, and their text gone (docs/privacy.md).

**Key.** `<tenantid>:<rep_id>`, else `<tenantid>:<account_id>`, else `<tenantid>:` followed by the \
event's own entity id (`opportunity_id`, `signal_id`, `request_id`, `content_id`, in that order), \
else `<tenantid>:<subject>`, else `<tenantid>:<id>`. One rep's events share a partition and stay in \
order. Each message states which field keys it.

**Compatibility.** Within a version fields may be added to any schema (`additionalProperties` stays \
open) but none is renamed or removed and no required field is added; a breaking change gets a new \
topic version.

**Lanes.** Imports travel in a bulk lane: their messages carry the header `rapport-lane: bulk` and \
are published only while the scoring consumer keeps up, so live events overtake them; one key's events \
keep their order within a lane, and consumers read event time, not arrival order.

**Delivery.** At least once: consumers must ignore an event `id` they have already applied (per \
`tenantid`). A message a consumer cannot process goes to `<topic>.dlq` with its key, value and \
headers unchanged and the reason in headers of its own.

The gateway also serves these events as server-sent events at `GET /v1/stream` (see the OpenAPI)."""


def _key_fields(et: EventType) -> list[str]:
    """The data fields that may key an event of this type, in the order partition_key tries them;
    the list ends at the first one the schema requires."""
    props, required = et.data.get("properties", {}), set(et.data.get("required", []))
    fields = []
    for name in KEY_FIELDS:
        if name in props:
            fields.append(name)
            if name in required:
                break
    return fields


def key_rule(et: EventType) -> str:
    fields = _key_fields(et)
    if not fields:
        return "`<tenantid>:<subject>`, else `<tenantid>:<id>`"
    parts = [f"`<tenantid>:<data.{f}>`" for f in fields]
    rule = (", when present, else ").join(parts) if len(parts) > 1 else parts[0]
    if fields[-1] not in et.data.get("required", []):
        rule += " when present, else `<tenantid>:<subject>`, else `<tenantid>:<id>`"
    return rule


def _key_schema(description: str) -> Schema:
    return {"type": "string", "pattern": f"{TENANT_PATTERN}:.+$", "description": description}


def example_value(schema: Schema, name: str = "") -> Any:
    """A small value valid against one of the catalog's data schemas (for the message examples)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema and "type" not in schema:
        return example_value(schema["anyOf"][0], name)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "object":
        props: dict[str, Schema] = schema.get("properties", {})
        wanted = list(schema.get("required", []))
        for option in schema.get("anyOf", []):
            wanted += [f for f in option.get("required", []) if f not in wanted][:1]
            break
        return {field: example_value(props.get(field, {}), field) for field in wanted}
    if kind == "array":
        return []
    if kind == "boolean":
        return True
    if kind in ("number", "integer"):
        return max(schema.get("minimum", 0), min(1, schema.get("maximum", 1)))
    if schema.get("format") == "date":
        return "2026-11-20"
    if name == "profile_url":
        return "https://www.linkedin.com/in/example"
    if name == "email":
        return "someone@example.com"
    return f"{name or 'value'}-1"


def example_event(et: EventType) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"example-{et.type}", "source": f"rapport/{et.owner}", "type": et.type,
            "time": "2026-11-20T10:00:00Z", "datacontenttype": "application/json", "tenantid": "demo",
            "data": example_value(et.data)}


def _message(et: EventType) -> dict[str, Any]:
    event = example_event(et)
    from rapportkit.envelope import partition_key  # the one implementation of the rule

    return {
        "name": et.type,
        "title": et.type,
        "summary": et.summary,
        "contentType": STRUCTURED_CONTENT_TYPE,
        "payload": wire_schema(et.type),
        "headers": {"type": "object", "required": [CONTENT_TYPE_HEADER], "properties": EVENT_HEADERS},
        "correlationId": {"description": "the CloudEvent id: consumers dedupe on (tenantid, id)",
                          "location": "$message.payload#/id"},
        "tags": [{"name": et.domain}],
        "bindings": {"kafka": {"key": _key_schema(f"{key_rule(et)}."), "bindingVersion": "0.5.0"}},
        "examples": [{"name": "minimal", "summary": "only the required fields", "payload": event}],
        "x-rapport-key": {"fields": _key_fields(et), "example": partition_key(event)},
        "x-rapport-publisher": et.owner,
        "x-rapport-ingestible": et.ingestible,
        **({"x-rapport-sealed": {"fields": list(et.personal_fields), "opened": event_schema(et.type)}}
           if et.sealed else {}),
    }


def _dead_letter_message(topic: str) -> dict[str, Any]:
    return {
        "name": f"{topic}.dead_letter",
        "title": f"A message of {topic} that a consumer could not process",
        "summary": f"The original message of {topic}, key, value and headers unchanged, with the reason in "
                   "headers of its own.",
        "contentType": STRUCTURED_CONTENT_TYPE,
        "headers": {
            "type": "object",
            "required": list(DLQ_HEADERS),
            "properties": {
                **{name: {**header, "description": f"kept from the original message: {header['description']}"}
                   for name, header in EVENT_HEADERS.items()},
                **{name: {"type": "string", "description": text} for name, text in DLQ_HEADERS.items()},
            },
        },
        "payload": {"description": f"The original value, unchanged: usually one of the events of {topic} "
                                   "(invalid ones included), possibly not JSON at all."},
        "bindings": {"kafka": {"key": {"type": "string", "description": "the original key, unchanged"},
                               "bindingVersion": "0.5.0"}},
    }


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every topic, event type and schema (generated, deterministic)."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for domain, topic in TOPICS.items():
        types = [et for et in EVENT_TYPES.values() if et.domain == domain]
        for et in types:
            messages[et.type] = _message(et)
        channels[topic] = {
            "address": topic,
            "title": topic,
            "description": DOMAIN_TITLES[domain],
            "messages": {et.type: {"$ref": f"#/components/messages/{et.type}"} for et in types},
            "bindings": {"kafka": {"topic": topic, "partitions": DEFAULT_PARTITIONS, "bindingVersion": "0.5.0"}},
        }
        operations[f"publish.{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "title": f"Publish to {topic}",
            "summary": "Published through each owner's transactional outbox (acks=all, idempotent producer).",
            "messages": [{"$ref": f"#/channels/{topic}/messages/{et.type}"} for et in types],
        }
        dlq = dlq_topic(topic)
        dead = f"{topic}.dead_letter"
        messages[dead] = _dead_letter_message(topic)
        channels[dlq] = {
            "address": dlq,
            "title": dlq,
            "description": f"Dead letters of {topic}: messages a consumer gave up on, with the reason in headers.",
            "messages": {dead: {"$ref": f"#/components/messages/{dead}"}},
            "bindings": {"kafka": {"topic": dlq, "partitions": DEFAULT_PARTITIONS, "bindingVersion": "0.5.0"}},
        }
        operations[f"dead_letter.{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{dlq}"},
            "title": f"Dead-letter a message of {topic}",
            "summary": "A consumer that cannot process a message (after retries for transient failures) "
                       "sends it here and carries on.",
            "messages": [{"$ref": f"#/channels/{dlq}/messages/{dead}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "id": "urn:rapport:events:v1",
        "info": {
            "title": "Rapport events",
            "version": f"{SCHEMA_VERSION}.0.0",
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": STRUCTURED_CONTENT_TYPE,
        "servers": {
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka",
                      "description": "The broker `make run` starts; elsewhere KAFKA_BOOTSTRAP_SERVERS."},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


router = APIRouter(tags=["contracts"])


@cache
def _asyncapi_bytes() -> bytes:
    return render(asyncapi_document()).encode()


@router.get("/asyncapi.json", summary="The AsyncAPI 3.0 document: every topic, event type and JSON Schema",
            response_class=Response,
            responses={200: {"description": "AsyncAPI 3.0 (JSON); no authentication needed",
                             "content": {"application/json": {"schema": {"type": "object"}}}}})
def get_asyncapi() -> Response:
    return Response(_asyncapi_bytes(), media_type="application/json")


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def gateway_app() -> FastAPI:
    """The gateway's app, imported with placeholder settings when the environment has none (its
    module-level settings need an internal secret; nothing connects anywhere on import)."""
    placeholders = {"RAPPORT_INTERNAL_SECRET": "contracts-placeholder-secret", "GATEWAY_DATABASE_URL": "sqlite://"}
    added = [name for name in placeholders if not os.environ.get(name)]
    for name in added:
        os.environ[name] = placeholders[name]
    try:
        from gateway.main import app
    finally:
        for name in added:
            del os.environ[name]
    return app


def openapi_document() -> dict[str, Any]:
    return gateway_app().openapi()


def generated() -> dict[Path, str]:
    return {ASYNCAPI_PATH: render(asyncapi_document()), OPENAPI_PATH: render(openapi_document())}


def main(argv: list[str]) -> int:
    stale = []
    for path, text in generated().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if "--check" in argv and stale:
        print(f"stale: {', '.join(str(p.relative_to(ROOT)) for p in stale)}; regenerate with `{REGENERATE}`")
        return 1
    if not stale:
        print("docs/asyncapi.json and docs/openapi.json are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
