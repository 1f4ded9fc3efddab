"""The published contracts: docs/asyncapi.json and docs/openapi.json are what the code generates,
the AsyncAPI document carries every topic, type and schema, and the schemas require what
docs/contracts.md's table requires. Regenerate the committed copies with `python -m gateway.contracts`."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from gateway import contracts
from rapportkit import outbox
from rapportkit.catalog import (
    ALL_TOPICS,
    DERIVED,
    EVENT_TYPES,
    SEALED_ATTRIBUTE,
    TOPICS,
    event_schema,
    wire_data_schema,
    wire_schema,
)
from rapportkit.consumer import ConsumerLoop
from rapportkit.envelope import EventInvalid, partition_key, validate
from rapportkit.metrics import metrics
from rapportkit.relay import message_headers

HOW = f"regenerate with `{contracts.REGENERATE}` and commit the result"


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                found.append(f"{path}/{key}: {'added' if key not in a else 'removed'}")
            else:
                found += _differences(a[key], b[key], f"{path}/{key}")
        return found
    return [] if a == b else [f"{path}: changed"]


@pytest.mark.parametrize("name", ["asyncapi", "openapi"])
def test_committed_document_matches_the_code(name: str) -> None:
    path = contracts.ASYNCAPI_PATH if name == "asyncapi" else contracts.OPENAPI_PATH
    generated = contracts.asyncapi_document() if name == "asyncapi" else contracts.openapi_document()
    assert path.exists(), f"{path.name} is missing: {HOW}"
    committed = json.loads(path.read_text())
    fresh = json.loads(contracts.render(generated))
    diff = _differences(committed, fresh)
    assert not diff, f"docs/{path.name} drifted from the code ({'; '.join(diff[:10])}): {HOW}"


def test_asyncapi_is_served_as_generated() -> None:
    served = json.loads(bytes(contracts.get_asyncapi().body))
    assert served == json.loads(contracts.render(contracts.asyncapi_document()))


def test_every_topic_and_dlq_is_a_channel() -> None:
    doc = contracts.asyncapi_document()
    assert doc["asyncapi"].startswith("3.")
    assert {c["address"] for c in doc["channels"].values()} == set(ALL_TOPICS)
    for topic in TOPICS.values():
        dlq = doc["channels"][f"{topic}.dlq"]
        [(name, ref)] = dlq["messages"].items()
        message = doc["components"]["messages"][ref["$ref"].rsplit("/", 1)[1]]
        assert set(message["headers"]["required"]) == set(contracts.DLQ_HEADERS)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_type_is_a_message_with_its_full_schema(event_type: str) -> None:
    doc = contracts.asyncapi_document()
    et = EVENT_TYPES[event_type]
    message = doc["components"]["messages"][event_type]
    assert message["payload"] == wire_schema(event_type)
    if et.sealed:  # what travels: data without its personal fields, which are in `rapportsealed`
        assert message["payload"]["properties"]["data"] == wire_data_schema(event_type)
        assert message["payload"]["properties"][SEALED_ATTRIBUTE]
        assert message["x-rapport-sealed"] == {"fields": list(et.personal_fields), "opened": event_schema(event_type)}
        assert et.topic.endswith(".v2")
    else:
        assert message["payload"]["properties"]["data"] == et.data
        assert et.topic.endswith(".v1")
    channel = doc["channels"][et.topic]
    assert channel["messages"][event_type] == {"$ref": f"#/components/messages/{event_type}"}
    operation = doc["operations"][f"publish.{et.topic}"]
    assert {"$ref": f"#/channels/{et.topic}/messages/{event_type}"} in operation["messages"]
    assert message["bindings"]["kafka"]["key"]["description"]
    [example] = message["examples"]
    assert validate(example["payload"])["type"] == event_type


def test_references_resolve() -> None:
    doc = contracts.asyncapi_document()

    def walk(value: Any) -> list[str]:
        if isinstance(value, dict):
            refs = [value["$ref"]] if "$ref" in value else []
            return refs + [r for v in value.values() for r in walk(v)]
        if isinstance(value, list):
            return [r for v in value for r in walk(v)]
        return []

    for ref in walk(doc):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"unresolved {ref}"
            node = node[part]


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_documented_key_is_the_key_the_producer_uses(event_type: str) -> None:
    """The key rule in each message is rapportkit.envelope.partition_key's, field by field."""
    et = EVENT_TYPES[event_type]
    fields = contracts._key_fields(et)
    event = contracts.example_event(et)
    message = contracts.asyncapi_document()["components"]["messages"][event_type]
    assert message["x-rapport-key"]["example"] == partition_key(event)
    for field in contracts.KEY_FIELDS:
        event["data"].pop(field, None)
    event["subject"] = "the-subject"
    if not fields or fields[-1] not in et.data.get("required", []):
        assert partition_key(event) == "demo:the-subject"
    for field in reversed(fields):  # each field, when present, wins over the ones after it
        event["data"][field] = f"{field}-value"
        assert partition_key(event) == f"demo:{field}-value"


def test_dlq_headers_are_the_ones_the_consumer_writes() -> None:
    sent: list[dict[str, Any]] = []

    class Producer:
        def send(self, topic: str, **kwargs: Any) -> Any:
            sent.append({"topic": topic, **kwargs})

            class Done:
                def get(self, timeout: float) -> None:
                    return None
            return Done()

    class Message:
        topic, partition, offset, key, value = "rapport.insight.v2", 2, 41, b"demo:rep-1", b"{}"
        # as the relay writes them for a bulk message, and an earlier dead-lettering's reason
        headers = [*message_headers(outbox.BULK), ("rapport-error", b"an earlier failure")]

    loop = ConsumerLoop(group="insight", bootstrap="unused:9092", topics=[], handlers={},
                        session_factory=None,  # type: ignore[arg-type]
                        producer=Producer(), metrics=metrics("contracts-test"))
    loop.dead_letter(Message(), "handler failed: boom")
    [record] = sent
    assert record["topic"] == "rapport.insight.v2.dlq" and record["key"] == b"demo:rep-1"
    names = [name for name, _ in record["headers"]]
    assert names == [*contracts.EVENT_HEADERS, *contracts.DLQ_HEADERS], "the original headers, then the reasons"
    assert dict(record["headers"])["rapport-error"] == b"handler failed: boom"
    assert set(contracts.EVENT_HEADERS) <= set(_dlq_message()["headers"]["properties"]), "documented as kept"


def _dlq_message() -> dict[str, Any]:
    message: dict[str, Any] = contracts.asyncapi_document()["components"]["messages"]["rapport.insight.v2.dead_letter"]
    return message


@pytest.mark.parametrize("lane", outbox.LANES)
def test_documented_event_headers_are_the_ones_the_relay_writes(lane: str) -> None:
    """Every message is in the structured mode of the CloudEvents Kafka binding: the relay's
    content-type header is the one AsyncAPI requires, and the lane header is a documented one."""
    headers = dict(message_headers(lane))
    assert headers["content-type"] == b"application/cloudevents+json; charset=utf-8"
    messages = contracts.asyncapi_document()["components"]["messages"]
    for event_type in EVENT_TYPES:
        documented = messages[event_type]["headers"]
        assert documented["required"] == ["content-type"]
        assert documented["properties"]["content-type"]["const"] == headers["content-type"].decode()
        assert set(headers) <= set(documented["properties"])
    assert ("rapport-lane" in headers) == (lane == outbox.BULK)


# docs/contracts.md "Topics and event types": required data fields, one-of groups and enumerations.
PERSON = ["profile_url", "email", "name"]
CONTRACT: dict[str, dict[str, Any]] = {
    "directory.rep.upserted": {"required": ["rep_id", "name", "team_id"]},
    "insight.account.upserted": {"required": ["account_id", "name", "tier", "industry", "employees"],
                                 "enum": {"tier": ["strategic", "key", "standard"]}},
    "insight.stakeholder.identified": {
        "required": ["stakeholder_id", "account_id", "person", "role", "seniority"],
        "enum": {"role": ["decision_maker", "economic_buyer", "champion", "influencer", "user", "gatekeeper",
                          "unknown"]}},
    "insight.stakeholder.departed": {"required": ["stakeholder_id", "account_id"]},
    "insight.profile.viewed": {"required": ["rep_id", "person"]},
    "insight.signal.captured": {
        "required": ["signal_id", "kind", "strength"], "one_of": ["account_id", "person"],
        "enum": {"kind": ["job_change", "funding", "hiring", "topic_post", "pain_point", "competitor_mention",
                          "company_news"]}},
    "insight.signal.actioned": {"required": ["signal_id", "rep_id", "action"]},
    "insight.note.recorded": {"required": ["rep_id", "account_id", "text"]},
    "insight.account.followed": {"required": ["rep_id", "company"]},
    "network.connection.requested": {"required": ["rep_id", "person", "direction"],
                                     "enum": {"direction": ["outbound", "inbound"]}},
    **{f"network.connection.{v}": {"required": ["rep_id", "person"]} for v in ("accepted", "declined", "withdrawn")},
    **{f"network.message.{v}": {"required": ["rep_id", "conversation_id", "person", "channel"],
                                "one_of": ["text", "length"],
                                "enum": {"channel": ["linkedin", "email", "phone", "event", "other"]}}
       for v in ("sent", "received")},
    **{f"network.meeting.{v}": {"required": ["rep_id", "meeting_id", "kind"], "one_of": ["person", "account_id"],
                                "enum": {"kind": ["call", "video", "in_person"]}} for v in ("booked", "held")},
    "network.endorsement.received": {"required": ["rep_id", "person"]},
    "network.recommendation.received": {"required": ["rep_id", "person"]},
    "content.item.published": {"required": ["content_id", "kind", "title", "topics", "owner"],
                               "enum": {"kind": ["post", "article", "video", "document", "asset"]}},
    "content.item.shared": {"required": ["content_id", "rep_id", "channel"]},
    "content.engagement.recorded": {"required": ["content_id", "rep_id", "person", "kind"],
                                    "enum": {"kind": ["view", "like", "comment", "share", "click", "download"]}},
    "content.engagement.given": {"required": ["rep_id", "kind", "link"]},
    "outcome.lead.created": {"required": ["lead_id", "rep_id", "account_id", "source"]},
    "outcome.lead.qualified": {"required": ["lead_id", "rep_id", "account_id", "source"]},
    "outcome.opportunity.created": {"required": ["opportunity_id", "rep_id", "account_id", "amount", "stage"]},
    "outcome.opportunity.stage_changed": {"required": ["opportunity_id", "stage"]},
    "outcome.opportunity.closed": {"required": ["opportunity_id", "won", "amount"]},
    "outcome.referral.received": {"required": ["rep_id", "person"]},
    "scoring.score.updated": {"required": ["rep_id", "date", "total", "pillars", "factors"]},
    "scoring.alert.raised": {"required": ["rep_id", "kind", "evidence"],
                             "enum": {"kind": ["connect_then_pitch", "spam_pattern", "mass_message",
                                               "intrusive_outreach"]}},
    "scoring.recommendation.issued": {"required": ["account_id", "quadrant", "recommendation"]},
    "privacy.erasure.requested": {"required": ["request_id", "person"]},
    "privacy.erasure.completed": {"required": ["request_id", "person", "service"]},
    "privacy.tenant_deletion.requested": {"required": ["request_id", "tenant_id"]},
    "privacy.tenant_deletion.completed": {"required": ["request_id", "tenant_id", "service"]},
}


def test_the_table_covers_the_catalog() -> None:
    published = {t.removeprefix("rapport.") for t in EVENT_TYPES} - DERIVED
    assert set(CONTRACT) == published


@pytest.mark.parametrize("suffix", sorted(CONTRACT))
def test_contract_fields_are_required_by_the_schema(suffix: str) -> None:
    event_type = f"rapport.{suffix}"
    message = contracts.asyncapi_document()["components"]["messages"][event_type]
    opened = message.get("x-rapport-sealed", {}).get("opened", message["payload"])  # the event a consumer reads
    data = opened["properties"]["data"]
    rule = CONTRACT[suffix]
    assert set(rule["required"]) <= set(data["required"]), f"{event_type}: {rule['required']} vs {data['required']}"
    if "one_of" in rule:
        assert [o["required"] for o in data["anyOf"]] == [[f] for f in rule["one_of"]]
    for field, values in rule.get("enum", {}).items():
        assert data["properties"][field]["enum"] == values
    for field in rule["required"]:
        if field == "person":
            assert [o["required"] for o in data["properties"]["person"]["anyOf"]] == [[f] for f in PERSON]
    if suffix == "scoring.score.updated":
        assert set(data["properties"]["pillars"]["required"]) == {"insight", "connect", "engage", "brand"}
    # and validation enforces it: each required field missing is refused, naming the field
    example = message["examples"][0]["payload"]
    for field in rule["required"]:
        broken = copy.deepcopy(example)
        del broken["data"][field]
        with pytest.raises(EventInvalid) as refused:
            validate(broken)
        assert ["data", field] in [e.loc for e in refused.value.errors]


# The public HTTP API of docs/contracts.md that the gateway serves today. Routes owned by work in
# progress (admin directory and keys, imports, the dashboard) join this list as they land.
PUBLIC_ROUTES = [
    ("post", "/v1/events"),
    ("get", "/v1/reps/{rep_id}/score"),
    ("get", "/v1/reps/{rep_id}/score/history"),
    ("get", "/v1/leaderboard"),
    ("get", "/v1/reps/{rep_id}/alerts"),
    ("get", "/v1/accounts"),
    ("get", "/v1/accounts/{account_id}"),
    ("get", "/v1/signals"),
    ("get", "/v1/reps/{rep_id}/network"),
    ("get", "/v1/content"),
    ("get", "/v1/content/{content_id}"),
    ("get", "/v1/accounts/{account_id}/recommendation"),
    ("get", "/v1/reports/outcomes"),
    ("get", "/v1/reports/evidence"),
    ("post", "/v1/privacy/erasure"),
    ("get", "/v1/privacy/erasure/{request_id}"),
    ("delete", "/v1/admin/tenants/{tenant_id}"),
    ("get", "/v1/privacy/tenant-deletions/{request_id}"),
    ("get", "/v1/stream"),
    ("post", "/v1/webhooks"),
    ("get", "/v1/webhooks"),
    ("get", "/v1/webhooks/{webhook_id}"),
    ("delete", "/v1/webhooks/{webhook_id}"),
    ("post", "/v1/webhooks/{webhook_id}/rotate-secret"),
    ("post", "/v1/webhooks/{webhook_id}/enable"),
    ("get", "/v1/webhooks/{webhook_id}/deliveries"),
    ("post", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"),
    ("post", "/v1/digests/subscriptions"),
    ("get", "/v1/digests/subscriptions"),
    ("get", "/v1/digests/subscriptions/{subscription_id}"),
    ("delete", "/v1/digests/subscriptions/{subscription_id}"),
    ("post", "/v1/digests/send"),
    ("get", "/asyncapi.json"),
]


def test_openapi_lists_the_public_api() -> None:
    doc = contracts.openapi_document()
    paths = doc["paths"]
    missing = [f"{m.upper()} {p}" for m, p in PUBLIC_ROUTES if m not in paths.get(p, {})]
    assert not missing, f"not in the gateway's OpenAPI: {missing}"
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
    stream = paths["/v1/stream"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    assert {p["name"] for p in stream["parameters"]} >= {"types", "Last-Event-ID", "last_event_id"}
    erasure = paths["/v1/privacy/erasure"]["post"]
    assert "202" in erasure["responses"] and "requestBody" in erasure


REPO = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"[\w./-]*contracts\.md", re.IGNORECASE)


def test_every_cited_contracts_document_is_in_the_repository() -> None:
    """The code and docs cite the public contracts; the file they cite is docs/contracts.md."""
    cited: dict[str, set[str]] = {}
    for root in ("libs", "gateway", "services", "importers", "stack", "bench", "rapport_cli", "tests", "docs",
                 "deploy", "README.md", "Makefile"):
        base = REPO / root
        for path in [base] if base.is_file() else base.rglob("*"):
            if path.suffix not in {".py", ".md", ".json", ".yaml", ".yml", ".sh", ""} or not path.is_file():
                continue
            for name in CITATION.findall(path.read_text(errors="replace")):
                cited.setdefault(name, set()).add(str(path.relative_to(REPO)))
    assert cited, "the contracts are cited somewhere"
    for name, where in cited.items():
        target = (REPO / "docs" / name) if "/" not in name else (REPO / name)
        assert name in {"docs/contracts.md", "contracts.md"} and target.is_file(), (name, sorted(where))
