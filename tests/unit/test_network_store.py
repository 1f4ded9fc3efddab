"""The network service's handlers and reads on its real schema (the Alembic migrations applied to
an SQLite file, the embedded default): ingest, enrichment, out-of-order history, the insight read
model, erasure and access rules. The same paths run on PostgreSQL and Kafka in
tests/integration/test_network_service.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rapportkit import jsonutil, keyring
from rapportkit.catalog import SEALED_ATTRIBUTE
from rapportkit.db import SessionFactory, make_engine, make_session_factory, unit_of_work
from rapportkit.envelope import Event, new_event, validate
from rapportkit.errors import ApiError
from rapportkit.ingest import apply_events
from rapportkit.migrate import upgrade
from rapportkit.outbox import OutboxRow
from rapportkit.people import erasure_keys
from rapportkit.people import normalise_profile_url as url_key
from rapportkit.sealing import opened
from services.network.events import HANDLERS
from services.network.ingest import INGEST_HANDLERS
from services.network.models import MessageRow, PersonAliasRow
from services.network.read import rep_conversations, rep_network

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "network" / "migrations"
TENANT = "demo"
PITCH = "Thanks for connecting! Would you be open to a quick call next week? Grab a slot: calendly.com/ana/30min"
THOUGHTFUL = ("Loved your talk on procurement timelines. How do you approach security reviews "
              "when the buying committee is spread across regions?")


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionFactory]:
    url = f"sqlite:///{tmp_path_factory.mktemp('network') / 'network.db'}"
    upgrade(script_location=MIGRATIONS, url=url, service="network")
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def person(name: str) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/{name}/", "name": name.title()}


def ev(event_type: str, time: str, **data: Any) -> Event:
    event = new_event(type=f"rapport.{event_type}", tenant_id=TENANT, source="tests", data=data)
    return validate({**event, "time": time})


def ingest(factory: SessionFactory, *events: Event) -> tuple[int, int]:
    with unit_of_work(factory) as session:
        return apply_events(session, list(events), INGEST_HANDLERS)


def consume(factory: SessionFactory, *events: Event) -> None:
    with unit_of_work(factory) as session:
        for event in events:
            for handler in HANDLERS[event["type"]]:
                handler(session, event)


def published(factory: SessionFactory, event_id: str) -> Event:
    with unit_of_work(factory) as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.event_id == event_id)).one()
        result: Event = opened(row.payload)
        return result


def network(factory: SessionFactory, rep: str) -> dict[str, Any]:
    with unit_of_work(factory) as session:
        return rep_network(session, tenant_id=TENANT, rep_id=rep)


def new_rep() -> str:
    return f"rep-{uuid.uuid4().hex[:8]}"


def test_pitch_30_minutes_after_acceptance_is_published_with_the_delay(factory: SessionFactory) -> None:
    rep = new_rep()
    accepted = ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=rep, person=person("ada"))
    pitch = ev("network.message.sent", "2026-03-02T09:30:00Z", rep_id=rep, conversation_id="c1",
               person={"profile_url": "linkedin.com/in/Ada"},  # the same person key, spelt differently
               channel="linkedin", text=PITCH)
    thoughtful = ev("network.message.sent", "2026-03-03T09:00:00Z", rep_id=rep, conversation_id="c2",
                    person=person("ada"), channel="linkedin", text=THOUGHTFUL)
    assert ingest(factory, accepted, pitch, thoughtful) == (3, 0)

    out = published(factory, pitch["id"])["data"]
    assert out["is_pitch"] is True and out["minutes_since_connection_accepted"] == 30.0
    assert set(out["pitch_rules"]) == {"call_to_action", "meeting_request", "scheduling_link"}
    assert out["pitch_score"] == 1.0 and out["text"] == PITCH  # the rest of the event is unchanged
    calm = published(factory, thoughtful["id"])["data"]
    assert calm["is_pitch"] is False and calm["pitch_rules"] == ["opinion_question"]
    assert calm["minutes_since_connection_accepted"] == 1440.0
    validate(published(factory, pitch["id"]))  # the enriched event satisfies the catalog's schema
    assert published(factory, accepted["id"]) == accepted  # connection events are published as they came


def test_explicit_flag_and_messages_without_text(factory: SessionFactory) -> None:
    rep = new_rep()
    flagged = ev("network.message.sent", "2026-03-02T09:00:00Z", rep_id=rep, conversation_id="c", person=person("bo"),
                 channel="email", text=PITCH, is_pitch=False)
    bare = ev("network.message.sent", "2026-03-02T10:00:00Z", rep_id=rep, conversation_id="c", person=person("bo"),
              channel="email", length=120)
    received = ev("network.message.received", "2026-03-02T11:00:00Z", rep_id=rep, conversation_id="c",
                  person=person("bo"), channel="email", text="Buy now! Special offer!")
    ingest(factory, flagged, bare, received)
    f = published(factory, flagged["id"])["data"]
    assert f["is_pitch"] is False and f["pitch_rules"][-1] == "explicit_flag" and f["pitch_score"] == 1.0
    assert f["minutes_since_connection_accepted"] is None  # no accepted connection known
    b = published(factory, bare["id"])["data"]
    assert (b["is_pitch"], b["pitch_rules"], b["pitch_score"]) == (False, ["no_text"], 0.0)
    assert "is_pitch" not in published(factory, received["id"])["data"]  # inbound messages are not classified


def test_messages_of_a_later_request_read_the_stored_connection(factory: SessionFactory) -> None:
    rep = new_rep()
    ingest(factory, ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=rep, person=person("di")),
           ev("network.connection.accepted", "2026-03-02T10:00:00Z", rep_id=rep, person=person("ed")))
    later = [ev("network.message.sent", f"2026-03-02T1{n}:30:00Z", rep_id=rep, conversation_id=f"c{n}",
                person=person(who), channel="linkedin", text="Hello") for n, who in enumerate(["di", "ed", "fy"])]
    ingest(factory, *later)  # one request: its messages' connections are loaded at once
    delays = [published(factory, m["id"])["data"]["minutes_since_connection_accepted"] for m in later]
    assert delays == [90.0, 90.0, None]


def test_message_before_the_acceptance_has_no_delay(factory: SessionFactory) -> None:
    rep = new_rep()
    ingest(factory, ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=rep, person=person("cy")))
    early = ev("network.message.sent", "2026-03-01T09:00:00Z", rep_id=rep, conversation_id="c", person=person("cy"),
               channel="linkedin", text="Hello")
    ingest(factory, early)
    assert published(factory, early["id"])["data"]["minutes_since_connection_accepted"] is None


def test_connection_history_out_of_order_partial_and_repeated(factory: SessionFactory) -> None:
    rep = new_rep()
    ingest(factory,
           ev("network.connection.accepted", "2026-03-02T12:00:00Z", rep_id=rep, person=person("ann")),
           ev("network.connection.requested", "2026-03-01T12:00:00Z", rep_id=rep, person=person("ann"),
              direction="outbound"),  # the request arrives after its acceptance
           ev("network.connection.accepted", "2026-02-01T12:00:00Z", rep_id=rep, person=person("ben")),  # import
           ev("network.connection.requested", "2026-03-01T12:00:00Z", rep_id=rep, person=person("cat"),
              direction="outbound"),
           ev("network.connection.withdrawn", "2026-03-05T12:00:00Z", rep_id=rep, person=person("cat")),
           ev("network.connection.requested", "2026-03-03T12:00:00Z", rep_id=rep, person=person("dan"),
              direction="inbound"))
    # the same transitions again under new ids (a re-import) and an older, contradicted decline
    ingest(factory,
           ev("network.connection.accepted", "2026-03-02T12:00:00Z", rep_id=rep, person=person("ann")),
           ev("network.connection.declined", "2026-03-01T13:00:00Z", rep_id=rep, person=person("ann")),
           ev("network.connection.requested", "2026-03-01T12:00:00Z", rep_id=rep, person=person("cat"),
              direction="outbound"))
    assert network(factory, rep)["connections"] == {
        "total": 4, "accepted": 2, "pending": 1, "declined": 0, "withdrawn": 1,
        "outbound_requests": 2, "inbound_requests": 1, "without_request": 1,
        "acceptance_rate": 0.5,  # ann accepted, cat withdrawn
        "known_by_name": 0,
    }


def test_same_event_id_twice_is_applied_once(factory: SessionFactory) -> None:
    rep = new_rep()
    msg = ev("network.message.sent", "2026-03-02T09:00:00Z", rep_id=rep, conversation_id="c", person=person("eve"),
             channel="linkedin", text="Hi")
    assert ingest(factory, msg, msg) == (1, 1)
    assert ingest(factory, msg) == (0, 1)
    assert network(factory, rep)["messages"]["sent"] == 1


def test_blank_person_is_a_422_naming_the_field(factory: SessionFactory) -> None:
    bad = ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=new_rep(), person={"profile_url": "  "})
    with pytest.raises(ApiError) as caught:
        ingest(factory, bad)
    assert caught.value.status == 422 and caught.value.details == [
        {"loc": ["data", "person"], "msg": "needs a profile_url, an email or a name that is not blank"}]


def test_meetings_fold_booked_and_held_in_any_order(factory: SessionFactory) -> None:
    rep = new_rep()
    ingest(factory,
           ev("network.message.sent", "2026-03-01T09:00:00Z", rep_id=rep, conversation_id="c", person=person("fa"),
              channel="linkedin", text="Hi"),
           ev("network.meeting.held", "2026-03-09T09:00:00Z", rep_id=rep, meeting_id=f"{rep}-m1", kind="in_person",
              person=person("fa")),
           ev("network.meeting.booked", "2026-03-02T09:00:00Z", rep_id=rep, meeting_id=f"{rep}-m1", kind="video",
              person=person("fa"), conversation_id="c"),
           ev("network.meeting.booked", "2026-03-03T09:00:00Z", rep_id=rep, meeting_id=f"{rep}-m2", kind="call",
              account_id="acme"))
    assert network(factory, rep)["meetings"] == {
        "booked": 2, "held": 1, "held_rate": 0.5, "from_conversations": 1, "held_from_conversations": 1,
        "conversations_converted": 1, "conversion_rate": 1.0}
    with unit_of_work(factory) as session:
        items, total = rep_conversations(session, tenant_id=TENANT, rep_id=rep, limit=10, offset=0)
    assert total == 1 and items[0]["meetings"] == [f"{rep}-m1"]


def test_coverage_follows_identified_and_departed_stakeholders_in_any_order(factory: SessionFactory) -> None:
    rep, account = new_rep(), f"acct-{uuid.uuid4().hex[:6]}"
    consume(factory, ev("insight.account.upserted", "2026-03-01T00:00:00Z", account_id=account, name="Acme",
                        tier="key", industry="software", employees=500))
    people = ["gia", "hal", "ivy", "jon"]
    consume(factory, *[ev("insight.stakeholder.identified", "2026-03-01T00:00:00Z", stakeholder_id=f"{account}-{p}",
                          account_id=account, person=person(p), role="influencer", seniority="senior")
                       for p in people])
    # jon departs; the departure of hal arrives before hal's (older) identification was re-sent
    consume(factory,
            ev("insight.stakeholder.departed", "2026-03-05T00:00:00Z", stakeholder_id=f"{account}-jon",
               account_id=account),
            ev("insight.stakeholder.departed", "2026-03-06T00:00:00Z", stakeholder_id=f"{account}-hal",
               account_id=account),
            ev("insight.stakeholder.identified", "2026-03-01T00:00:00Z", stakeholder_id=f"{account}-hal",
               account_id=account, person=person("hal"), role="influencer", seniority="senior"))
    ingest(factory, *[ev("network.connection.accepted", "2026-03-02T00:00:00Z", rep_id=rep, person=person(p))
                      for p in ("gia", "hal", "jon")])
    [entry] = network(factory, rep)["coverage"]
    assert (entry["account_id"], entry["name"], entry["tier"]) == (account, "Acme", "key")
    assert (entry["stakeholders"], entry["connected"], entry["share_connected"]) == (2, 1, 0.5)  # gia, ivy active
    # a later identification brings hal back
    consume(factory, ev("insight.stakeholder.identified", "2026-03-07T00:00:00Z", stakeholder_id=f"{account}-hal",
                        account_id=account, person=person("hal"), role="champion", seniority="senior"))
    [entry] = network(factory, rep)["coverage"]
    assert (entry["stakeholders"], entry["connected"]) == (3, 2)
    assert entry["by_role"]["champion"] == {"stakeholders": 1, "connected": 1, "contacted": 0, "two_way": 0}


def test_people_known_by_name_merge_once_their_url_is_seen(factory: SessionFactory) -> None:
    rep, account, tag = new_rep(), f"acct-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:6]
    ada, bo, cy = (f"ada {tag}", f"bo {tag}", f"cy {tag}")
    by_name = [ev("network.connection.accepted", "2018-01-08T18:14:00Z", rep_id=rep,
                  person={"name": ada.title(), "company": "Acme"}),
               ev("network.connection.requested", "2018-08-18T09:08:00Z", rep_id=rep, direction="outbound",
                  person={"name": bo.title()}),
               ev("network.connection.accepted", "2018-05-05T09:00:00Z", rep_id=rep,
                  person={"name": cy.title(), "company": "Initech"}),
               ev("network.message.received", "2018-02-01T09:00:00Z", rep_id=rep, conversation_id=f"d-{tag}",
                  person={"name": ada.title(), "company": "Acme"}, channel="linkedin", text="Hello")]
    ingest(factory, *by_name)
    consume(factory, ev("insight.account.upserted", "2026-03-01T00:00:00Z", account_id=account, name="Acme",
                        tier="key", industry="software", employees=500),
            ev("insight.stakeholder.identified", "2026-03-01T00:00:00Z", stakeholder_id=f"{account}-ada",
               account_id=account, person={"name": ada.title(), "company": "Acme"}, role="champion",
               seniority="senior"))
    before = network(factory, rep)
    assert (before["connections"]["total"], before["connections"]["known_by_name"]) == (3, 3)
    assert before["coverage"][0]["connected"] == 1 and before["coverage"][0]["contacted"] == 1

    url = {"ada": f"https://www.linkedin.com/in/ada-{tag}", "bo": f"https://www.linkedin.com/in/bo-{tag}"}
    ingest(factory,
           ev("network.connection.accepted", "2018-01-08T18:14:00Z", rep_id=rep,
              person={"profile_url": url["ada"], "name": ada.title(), "company": "ACME "}),
           ev("network.connection.accepted", "2024-02-13T10:00:00Z", rep_id=rep,
              person={"profile_url": url["bo"], "name": bo.title()}),
           ev("network.message.sent", "2024-02-14T10:00:00Z", rep_id=rep, conversation_id=f"c-{tag}",
              person={"profile_url": url["ada"], "name": ada.title()}, channel="linkedin", text="Thanks!"))
    after = network(factory, rep)
    connections = after["connections"]
    assert (connections["total"], connections["accepted"], connections["pending"]) == (3, 3, 0)  # not 5
    assert connections["known_by_name"] == 1  # cy: no URL seen for that name
    assert (connections["outbound_requests"], connections["acceptance_rate"]) == (1, 1.0)  # bo's request, accepted
    [entry] = after["coverage"]
    assert (entry["stakeholders"], entry["connected"], entry["contacted"]) == (1, 1, 1)  # ada, once

    # a second person of cy's name with another URL: the name is ambiguous and nothing merges
    ingest(factory, *[ev("network.connection.accepted", "2024-03-01T10:00:00Z", rep_id=new_rep(),
                         person={"profile_url": f"https://www.linkedin.com/in/{who}-{tag}", "name": cy.title(),
                                 "company": "Initech"}) for who in ("cy1", "cy2")])
    assert network(factory, rep)["connections"]["known_by_name"] == 1

    # erasing ada (URL, name and company) reaches both of her rows and forgets her aliases
    consume(factory, ev("privacy.erasure.requested", "2026-03-08T00:00:00Z", request_id=f"req-{tag}",
                        person={"profile_url": url["ada"], "name": ada.title(), "company": "Acme"}))
    with unit_of_work(factory) as session:
        left = session.scalars(select(PersonAliasRow.weak_key).where(PersonAliasRow.strong_key == url_key(url["ada"])))
        assert list(left) == []
    assert network(factory, rep)["connections"]["total"] == 3


def test_erasure_removes_text_and_identity_and_keeps_the_counts(factory: SessionFactory) -> None:
    rep, account = new_rep(), f"acct-{uuid.uuid4().hex[:6]}"
    kim = {"email": "Kim@Example.com", "name": "Kim"}
    consume(factory, ev("insight.stakeholder.identified", "2026-03-01T00:00:00Z", stakeholder_id=f"{account}-kim",
                        account_id=account, person=kim, role="champion", seniority="vp"))
    sent = ev("network.message.sent", "2026-03-02T09:30:00Z", rep_id=rep, conversation_id="c", person=kim,
              channel="email", text=PITCH)
    ingest(factory,
           ev("network.connection.requested", "2026-03-02T08:00:00Z", rep_id=rep, person=kim, direction="outbound",
              message="Hi Kim, let's connect"),
           ev("network.connection.accepted", "2026-03-02T09:00:00Z", rep_id=rep, person=kim), sent,
           ev("network.message.received", "2026-03-02T10:30:00Z", rep_id=rep, conversation_id="c", person=kim,
              channel="email", text="Call me at 555-0100"),
           ev("network.meeting.booked", "2026-03-03T09:00:00Z", rep_id=rep, meeting_id=f"{rep}-m", kind="call",
              person=kim))
    before = network(factory, rep)
    request = ev("privacy.erasure.requested", "2026-03-10T00:00:00Z", request_id=f"req-{rep}",
                 person={"email": "kim@example.com"})
    consume(factory, request)

    assert network(factory, rep) == before  # anonymous counts (and coverage) unchanged
    with unit_of_work(factory) as session:
        rows = session.scalars(select(MessageRow).where(MessageRow.rep_id == rep)).all()
        assert {r.text for r in rows} == {None} and {r.person_key for r in rows} == {f"erased:req-{rep}"}
        assert [r.length for r in rows] == [len(PITCH), len("Call me at 555-0100")]
        stored = [r.payload for r in session.scalars(select(OutboxRow)) if r.key == f"{TENANT}:{rep}"]
        completed = session.scalars(select(OutboxRow).where(
            OutboxRow.event_id == f"erasure-completed-network-{request['id']}")).one()
    assert len(stored) == 5
    clear = [jsonutil.dumps({k: v for k, v in jsonutil.loads(p).items() if k != SEALED_ATTRIBUTE}) for p in stored]
    assert not [p for p in clear if b"kim" in p.lower() or b"555-0100" in p]  # sealed: nothing in clear
    done = opened(completed.payload)
    keyring.default().forget(TENANT, erasure_keys(request["data"]["person"]))  # the gateway, once complete
    payloads = [opened(p) for p in stored]
    text = jsonutil.dumps(payloads).decode().lower()
    assert "kim" not in text and "555-0100" not in text  # shredded: nothing of the person opens any more
    for payload in payloads:
        validate(payload)  # an erased event that was still pending can still be published and applied
    scrubbed_message = next(p for p in payloads if p["id"] == sent["id"])["data"]
    assert scrubbed_message["length"] == len(PITCH) and scrubbed_message["is_pitch"] is True
    assert done["type"] == "rapport.privacy.erasure.completed"
    assert done["data"] == {"request_id": f"req-{rep}", "person": {"email": f"erased:req-{rep}"}, "service": "network"}
    # the completion names the pseudonym, not the person: not in clear (the sealed attribute is random base64,
    # where a bare "kim" turns up now and then), and not once opened (`done` above)
    completed_clear = {k: v for k, v in jsonutil.loads(completed.payload).items() if k != SEALED_ATTRIBUTE}
    assert b"kim" not in jsonutil.dumps(completed_clear).lower()


def test_unknown_rep_is_404(factory: SessionFactory) -> None:
    with pytest.raises(ApiError) as caught:
        network(factory, "nobody-" + uuid.uuid4().hex)
    assert caught.value.status == 404
