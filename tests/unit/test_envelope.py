"""Envelope validation names the failing field; keys keep one rep's events together."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rapportkit.catalog import ALL_TOPICS, EVENT_TYPES, INGESTIBLE_TYPES, event_schema
from rapportkit.envelope import EventInvalid, new_event, partition_key, validate

BASE: dict[str, Any] = {
    "specversion": "1.0", "id": "e-1", "source": "tests", "type": "rapport.network.message.sent",
    "time": "2024-05-01T09:30:00+02:00", "tenantid": "acme",
    "data": {"rep_id": "r1", "conversation_id": "c1", "person": {"email": "A@B.example"}, "channel": "linkedin",
             "text": "hello"},
}


def errors_of(event: dict[str, Any]) -> list[tuple[list[str | int], str]]:
    with pytest.raises(EventInvalid) as caught:
        validate(event)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_valid_event_is_normalised_to_utc() -> None:
    event = validate(copy.deepcopy(BASE))
    assert event["time"] == "2024-05-01T07:30:00Z"
    assert event["datacontenttype"] == "application/json"


def test_missing_fields_are_named_one_by_one() -> None:
    event = copy.deepcopy(BASE)
    del event["data"]["rep_id"], event["data"]["channel"]
    assert errors_of(event) == [(["data", "channel"], "field required"), (["data", "rep_id"], "field required")]


def test_enum_and_any_of_errors_name_the_field() -> None:
    event = copy.deepcopy(BASE)
    event["data"]["channel"] = "fax"
    event["data"]["person"] = {"title": "CTO"}
    errors = errors_of(event)
    assert (["data", "person"], "one of profile_url or email or name is required") in errors
    assert any(loc == ["data", "channel"] and "fax" in msg for loc, msg in errors)


def test_message_needs_text_or_length() -> None:
    event = copy.deepcopy(BASE)
    del event["data"]["text"]
    assert errors_of(event) == [(["data"], "one of text or length is required")]
    event["data"]["length"] = 120
    validate(event)


@pytest.mark.parametrize("time", ["2024-05-01T09:30:00", "yesterday", "2024-13-01T00:00:00Z"])
def test_time_must_be_an_rfc3339_timestamp_with_offset(time: str) -> None:
    event = copy.deepcopy(BASE)
    event["time"] = time
    assert [loc for loc, _ in errors_of(event)] == [["time"]]


def test_unknown_type_and_bad_tenant_are_refused() -> None:
    unknown = errors_of({**BASE, "type": "rapport.network.nope"})
    assert unknown == [(["type"], "unknown event type 'rapport.network.nope'")]
    assert [loc for loc, _ in errors_of({**BASE, "tenantid": "Not Valid!"})] == [["tenantid"]]


def test_partition_key_prefers_rep_then_account_then_entity() -> None:
    assert partition_key(BASE) == "acme:r1"
    account = new_event(type="rapport.insight.stakeholder.departed", tenant_id="acme", source="t",
                        data={"stakeholder_id": "s1", "account_id": "a9"})
    assert partition_key(account) == "acme:a9"
    closed = new_event(type="rapport.outcome.opportunity.closed", tenant_id="acme", source="t",
                       data={"opportunity_id": "o7", "won": True, "amount": 10})
    assert partition_key(closed) == "acme:o7"


def test_new_event_builds_a_valid_event() -> None:
    event = new_event(type="rapport.insight.profile.viewed", tenant_id="acme", source="t",
                      data={"rep_id": "r1", "person": {"profile_url": "https://linkedin.com/in/x"}})
    assert validate(event)["subject"] == "r1"


def test_catalog_covers_contracts_topics_and_schemas() -> None:
    assert "rapport.directory.v1" in ALL_TOPICS and "rapport.privacy.v2.dlq" in ALL_TOPICS
    assert len(ALL_TOPICS) == 14
    for name in EVENT_TYPES:
        schema = event_schema(name)
        assert schema["properties"]["type"] == {"const": name}
        assert {"id", "tenantid", "data", "time"} <= set(schema["required"])
    assert "rapport.scoring.score.updated" not in INGESTIBLE_TYPES
    assert "rapport.outcome.opportunity.closed" in INGESTIBLE_TYPES


def test_null_attributes_are_treated_as_absent() -> None:
    """JSON event format 1.0.2 section 2.2: a null attribute is unset; a null required one is missing."""
    event = validate({**copy.deepcopy(BASE), "subject": None, "traceparent": None})
    assert "subject" not in event and "traceparent" not in event
    assert partition_key({**event, "subject": None}) == "acme:r1"
    assert errors_of({**copy.deepcopy(BASE), "id": None}) == [(["id"], "field required")]
