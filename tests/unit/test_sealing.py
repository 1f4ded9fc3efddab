"""Sealing events for the topics (rapportkit.sealing): every type of the catalog goes out without
its personal fields in clear and opens back whole; once the keys are destroyed it opens to the
erased form, which still validates against the event's schema."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.contracts import example_event
from rapportkit import jsonutil
from rapportkit.catalog import EVENT_TYPES, PERSONAL, SEALED_ATTRIBUTE, wire_schema
from rapportkit.envelope import EventInvalid, partition_key, validate
from rapportkit.keyring import Keyring
from rapportkit.people import erasure_keys
from rapportkit.sealing import SealBroken, open_events, seal_events, text_key

ADA = {"profile_url": "https://www.linkedin.com/in/ada-lovelace/", "email": "ada@lovelace.example",
       "name": "Ada Lovelace", "title": "Countess", "company": "Analytical Engines"}
NEEDLES = ("lovelace", "ada-lovelace", "countess")


@pytest.fixture
def ring(tmp_path: Path) -> Iterator[Keyring]:
    ring = Keyring(f"sqlite:///{tmp_path / 'keyring.db'}")
    ring.upgrade()
    yield ring
    ring.close()


def personal_value(name: str, schema: dict[str, Any]) -> Any:
    if name == "person":
        return dict(ADA)
    if name == "evidence":
        return {"person": "linkedin.com/in/ada-lovelace", "text": "Dear Ada Lovelace, buy now"}
    if schema.get("type") == "array":
        return ["lovelace-letter.pdf"]
    return "Lunch with Ada Lovelace about the engine"


def full_event(event_type: str) -> dict[str, Any]:
    """The type's example with every personal field set, an undeclared field and a subject naming her."""
    et = EVENT_TYPES[event_type]
    event = example_event(et)
    event["id"] = f"ev-{event_type}"
    for name, schema in et.data["properties"].items():
        if schema.get(PERSONAL):
            event["data"][name] = personal_value(name, schema)
    event["data"]["folder"] = "Inbox of Lovelace"  # not in the catalog: sealed too
    event["subject"] = "linkedin.com/in/ada-lovelace"
    return validate(event)


def cleartext(value: Any) -> list[str]:
    text = jsonutil.dumps(value).decode().lower()
    return [n for n in NEEDLES if n in text]


SEALED_TYPES = sorted(t for t, et in EVENT_TYPES.items() if et.sealed)


@pytest.mark.parametrize("event_type", SEALED_TYPES)
def test_every_sealed_type_travels_without_personal_data_and_opens_whole(ring: Keyring, event_type: str) -> None:
    event = full_event(event_type)
    [sealed] = seal_events([copy.deepcopy(event)], ring)
    assert cleartext(sealed) == [], "nothing personal in the value"
    assert cleartext(partition_key(sealed)) == [] and partition_key(sealed) == partition_key(event)
    assert "subject" not in sealed  # a subject that is not one of its ids is sealed too
    jsonschema_valid(sealed)
    [opened] = open_events([sealed], ring)
    expected = {**event, "data": {**event["data"]}}
    if "length" in sealed["data"]:  # a message keeps its length in clear
        expected["data"]["length"] = len(event["data"]["text"])
    assert opened == expected
    assert validate(opened) == validate(expected)


@pytest.mark.parametrize("event_type", SEALED_TYPES)
def test_a_destroyed_key_opens_to_the_erased_form_which_is_valid(ring: Keyring, event_type: str) -> None:
    event = full_event(event_type)
    [sealed] = seal_events([event], ring)
    ring.forget("demo", erasure_keys({"email": ADA["email"], "profile_url": ADA["profile_url"]}))
    ring.forget("demo", [text_key(event["id"])])  # and the key of its text, had it named nobody
    if not EVENT_TYPES[event_type].personal_fields:  # only undeclared fields: the tenant's key (tenant deletion)
        assert cleartext(open_events([sealed], ring)) != []
        ring.forget_tenant("demo")
    [erased] = open_events([sealed], ring)
    assert cleartext(erased) == []
    assert SEALED_ATTRIBUTE not in erased and "subject" not in erased
    validate(erased)  # the .v1 schema still holds: consumers apply it like any event
    if "person" in event["data"]:
        assert erased["data"]["person"]["email"].startswith("erased:k")


def jsonschema_valid(sealed: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    errors = list(Draft202012Validator(wire_schema(sealed["type"])).iter_errors(sealed))
    assert errors == [], "the wire form is what docs/asyncapi.json describes"


def test_events_of_one_person_share_a_pseudonym_once_erased(ring: Keyring) -> None:
    one = validate({**example_event(EVENT_TYPES["rapport.network.connection.accepted"]), "id": "e1",
                    "data": {"rep_id": "r1", "person": ADA}})
    two = validate({**example_event(EVENT_TYPES["rapport.network.message.sent"]), "id": "e2",
                    "data": {"rep_id": "r1", "conversation_id": "c", "channel": "linkedin", "text": "Hi Ada",
                             "person": {"profile_url": ADA["profile_url"]}}})
    bob = validate({**one, "id": "e3", "data": {"rep_id": "r1", "person": {"email": "bob@example.com"}}})
    sealed = seal_events([one, two, bob], ring)
    ring.forget("demo", erasure_keys({"email": ADA["email"].upper()}))  # any one of her identities is enough
    opened = open_events(sealed, ring)
    assert opened[0]["data"]["person"] == opened[1]["data"]["person"]  # a replay keeps her as one person
    assert opened[1]["data"]["length"] == len("Hi Ada") and "text" not in opened[1]["data"]
    assert opened[2] == bob  # somebody else still opens


def test_text_naming_no_person_has_a_key_of_its_own(ring: Keyring) -> None:
    note = validate({**example_event(EVENT_TYPES["rapport.insight.note.recorded"]), "id": "n1",
                     "data": {"rep_id": "r1", "account_id": "a1", "text": "Ada Lovelace owns the budget"}})
    other = validate({**note, "id": "n2", "data": {**note["data"], "text": "Bob is on leave"}})
    sealed = seal_events([note, other], ring)
    ring.forget("demo", [text_key("n1")])  # what insight does when the erased person is mentioned in it
    opened = open_events(sealed, ring)
    assert opened[0]["data"]["text"] == "" and opened[1] == other


def test_a_seal_does_not_open_elsewhere_or_tampered(ring: Keyring) -> None:
    event = full_event("rapport.insight.profile.viewed")
    [sealed] = seal_events([event], ring)
    with pytest.raises(SealBroken):
        open_events([{**sealed, "id": "another-event"}], ring)  # bound to its event id
    attribute = sealed[SEALED_ATTRIBUTE]
    with pytest.raises(SealBroken):
        open_events([{**sealed, SEALED_ATTRIBUTE: attribute[:-4] + ("AAAA" if attribute[-4:] != "AAAA" else "BBBB")}],
                    ring)
    with pytest.raises(SealBroken):
        open_events([{**sealed, SEALED_ATTRIBUTE: "garbage"}], ring)
    assert open_events([{**sealed, "tenantid": "globex"}], ring)[0]["data"]["person"]["email"].startswith("erased:")


def test_unsealed_events_and_the_directory_pass_unchanged(ring: Keyring) -> None:
    rep = validate(example_event(EVENT_TYPES["rapport.directory.rep.upserted"]))
    account = validate(example_event(EVENT_TYPES["rapport.insight.account.upserted"]))
    assert seal_events([rep, account], ring) == [rep, account]  # nothing personal: as it was
    assert open_events([rep, "not an event"], ring) == [rep, "not an event"]


def test_callers_cannot_send_a_sealed_attribute() -> None:
    event = example_event(EVENT_TYPES["rapport.insight.profile.viewed"])
    with pytest.raises(EventInvalid) as caught:
        validate({**event, SEALED_ATTRIBUTE: "1.kx.person.AA.AA"})
    assert caught.value.errors[0].loc == [SEALED_ATTRIBUTE]
