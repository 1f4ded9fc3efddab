"""Insight state rules on an SQLite database: out-of-order arrival, derived events and their ids,
replays, settings changes and erasure. The same code runs on PostgreSQL in the integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from rapportkit import jsonutil, keyring
from rapportkit import outbox as staged
from rapportkit.contracts.insight import IcpProfile, QuadrantRules, Range
from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.envelope import Event, validate
from rapportkit.ingest import apply_events
from rapportkit.outbox import PUBLISHED, OutboxRow
from rapportkit.people import erasure_keys
from rapportkit.sealing import opened
from services.insight import accounts, queries, settings
from services.insight.events import erasure_requested
from services.insight.ingest import INGEST_HANDLERS
from services.insight.models import Account, Note, ProfileView, Signal, Stakeholder
from tests.unit.stores import migrated_sqlite

TENANT = "t1"


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sqlite(tmp_path, "insight") as factory:
        yield factory


def ev(kind: str, data: dict[str, Any], time: str = "2026-11-20T10:00:00Z", id: str | None = None) -> Event:
    return validate({"specversion": "1.0", "id": id or str(uuid.uuid4()), "source": "tests",
                     "type": f"rapport.insight.{kind}", "time": time, "tenantid": TENANT, "data": data})


def account(account_id: str = "acme", tier: str = "strategic", time: str = "2026-11-20T09:00:00Z",
            **extra: Any) -> Event:
    return ev("account.upserted", {"account_id": account_id, "name": "Acme", "tier": tier,
                                   "industry": "Software", "employees": 500, **extra}, time)


def identified(sid: str, role: str = "champion", account_id: str = "acme", person: str | None = None,
               time: str = "2026-11-20T10:00:00Z", **person_extra: str) -> Event:
    return ev("stakeholder.identified",
              {"stakeholder_id": sid, "account_id": account_id, "role": role, "seniority": "director",
               "person": {"profile_url": f"https://www.linkedin.com/in/{person or sid}/", **person_extra}}, time)


def departed(sid: str, account_id: str = "acme", time: str = "2026-11-21T10:00:00Z") -> Event:
    return ev("stakeholder.departed", {"stakeholder_id": sid, "account_id": account_id}, time)


def apply(factory: SessionFactory, *events: Event) -> tuple[int, int]:
    with unit_of_work(factory) as session:
        return apply_events(session, list(events), INGEST_HANDLERS)


def outbox(factory: SessionFactory, kind: str) -> list[Event]:
    with factory() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.event_type == f"rapport.{kind}")
                               .order_by(OutboxRow.seq))
        return [opened(r.payload) for r in rows]


def get_account(factory: SessionFactory, account_id: str = "acme") -> Account:
    with factory() as session:
        row = session.get(Account, (TENANT, account_id))
        assert row is not None
        return row


def test_quadrant_changes_are_derived_with_deterministic_ids(factory: SessionFactory) -> None:
    upsert = account()
    people = [identified(f"s{i}", role) for i, role in enumerate(["decision_maker", "economic_buyer", "champion",
                                                                 "influencer"])]
    assert apply(factory, upsert, *people) == (5, 0)
    changes = outbox(factory, "insight.account.quadrant_changed")
    assert [(c["data"]["quadrant"], c["data"]["previous_quadrant"], c["data"]["stakeholders"]) for c in changes] == [
        ("high_status_small_centre", None, 0), ("high_status_large_centre", "high_status_small_centre", 4)]
    assert changes[0]["id"] == accounts.derived_id("quadrant", TENANT, upsert["id"], "acme")
    assert changes[1]["id"] == accounts.derived_id("quadrant", TENANT, people[3]["id"], "acme")
    assert changes[1]["time"] == people[3]["time"] and changes[1]["subject"] == "acme"
    for change in changes:
        validate(change)  # what consumers will validate
    # a replay is a duplicate: nothing applied or staged twice
    assert apply(factory, upsert, *people) == (0, 5)
    assert len(outbox(factory, "insight.account.quadrant_changed")) == 2


def test_departure_moves_the_count_and_the_quadrant(factory: SessionFactory) -> None:
    apply(factory, account(), *[identified(f"s{i}") for i in range(4)])
    apply(factory, departed("s0"))
    row = get_account(factory)
    assert (row.active_stakeholders, row.centre_size, row.quadrant) == (3, "small", "high_status_small_centre")
    last = outbox(factory, "insight.account.quadrant_changed")[-1]["data"]
    assert (last["previous_quadrant"], last["stakeholders"]) == ("high_status_large_centre", 3)


def test_a_departure_captures_one_job_change_signal(factory: SessionFactory) -> None:
    apply(factory, account(), identified("s1", person="lee", name="Lee"))
    leaving = departed("s1")
    apply(factory, leaving)
    [signal] = outbox(factory, "insight.signal.captured")
    validate(signal)  # what consumers will validate
    signal_id = accounts.derived_id("job_change", TENANT, leaving["id"], "s1")
    assert (signal["id"], signal["time"]) == (signal_id, leaving["time"])
    assert signal["data"] == {"signal_id": signal_id, "kind": "job_change", "strength": 0.8, "source": "departure",
                              "account_id": "acme", "stakeholder_id": "s1",
                              "person": {"profile_url": "https://www.linkedin.com/in/lee/", "name": "Lee"}}
    with factory() as session:
        items, total = queries.list_signals(session, tenant_id=TENANT, account_id="acme", kinds=["job_change"],
                                            since=None, actioned=None, limit=10, offset=0)
    assert total == 1 and items[0]["person"]["name"] == "Lee"
    # a replay, a second departure and the departure of a stakeholder never identified capture nothing more
    assert apply(factory, leaving) == (0, 1)
    apply(factory, departed("s1", time="2026-11-22T10:00:00Z"), departed("ghost"))
    assert len(outbox(factory, "insight.signal.captured")) == 1


def test_departure_arriving_before_identification_wins_by_event_time(factory: SessionFactory) -> None:
    apply(factory, account(), departed("s1", time="2026-11-22T00:00:00Z"))
    apply(factory, identified("s1", time="2026-11-20T00:00:00Z"))
    assert get_account(factory).active_stakeholders == 0
    with factory() as session:
        row = session.get(Stakeholder, (TENANT, "s1"))
        assert row is not None and not row.active and row.role == "champion"  # identity still recorded
    apply(factory, identified("s1", time="2026-11-23T00:00:00Z"))  # re-identified later: active again
    assert get_account(factory).active_stakeholders == 1


def test_late_older_event_still_yields_the_current_quadrant_last(factory: SessionFactory) -> None:
    apply(factory, account(), *[identified(f"s{i}", time="2026-11-20T12:00:00Z") for i in range(4)])
    # an old departure (before the identification) changes nothing; an old identification of a 5th
    # does not move the quadrant either; a departure at 13:00 moves it back to small
    apply(factory, departed("s0", time="2026-11-20T13:00:00Z"))
    apply(factory, identified("s9", time="2026-11-19T08:00:00Z"))  # arrives late, stamped earlier
    changes = outbox(factory, "insight.account.quadrant_changed")
    assert [c["data"]["quadrant"] for c in changes][-1] == "high_status_large_centre"
    times = [c["time"] for c in changes]
    assert times == sorted(times)  # consumers keeping the latest by event time end on the current one
    assert changes[-1]["time"] == "2026-11-20T13:00:00Z"


def test_one_person_under_two_stakeholder_ids_counts_once(factory: SessionFactory) -> None:
    apply(factory, account(), identified("s1", person="ada"), identified("s2", person="ADA", role="user"))
    assert get_account(factory).active_stakeholders == 1


def test_a_stakeholder_known_by_name_and_then_by_url_counts_once(factory: SessionFactory) -> None:
    by_name = ev("stakeholder.identified", {"stakeholder_id": "s-name", "account_id": "acme", "role": "champion",
                                            "seniority": "director", "person": {"name": "Ada Lovelace",
                                                                                "company": "Acme"}})
    viewed = ev("profile.viewed", {"rep_id": "r1", "person": {"name": "Ada  LOVELACE", "company": "acme"}})
    apply(factory, account(), by_name, viewed)
    assert get_account(factory).active_stakeholders == 1
    with factory() as session:
        detail = queries.account_detail(session, tenant_id=TENANT, account_id="acme")
    assert detail is not None
    [member] = detail["stakeholders"]["champion"]
    assert (member["person_key"], member["identity"]) == ("name:ada lovelace|acme", "weak")
    assert detail["research"]["stakeholder_profile_views"] == 1

    # the same person with a URL (another stakeholder record): one person, and her views under both keys
    apply(factory, identified("s-url", role="user", person="ada-lovelace", name="Ada Lovelace", company="Acme"),
          ev("profile.viewed", {"rep_id": "r1", "person": {"profile_url": "https://www.linkedin.com/in/ada-lovelace"}}))
    assert get_account(factory).active_stakeholders == 1
    with factory() as session:
        detail = queries.account_detail(session, tenant_id=TENANT, account_id="acme")
    assert detail is not None
    assert detail["stakeholders"]["user"][0]["identity"] == "strong"
    assert detail["research"]["stakeholder_profile_views"] == 2  # not 4: each view once

    # a second Ada Lovelace of Acme with another URL: the name is ambiguous, nothing merges any more
    apply(factory, identified("s-other", role="user", person="ada-lovelace-2", name="Ada Lovelace", company="Acme"))
    assert get_account(factory).active_stakeholders == 3


def test_stakeholders_before_their_account_are_counted_when_it_arrives(factory: SessionFactory) -> None:
    apply(factory, *[identified(f"s{i}", account_id="late") for i in range(2)])
    assert outbox(factory, "insight.account.quadrant_changed") == []  # no tier yet, no quadrant
    apply(factory, account("late", tier="standard"))
    change = outbox(factory, "insight.account.quadrant_changed")[0]["data"]
    assert (change["quadrant"], change["stakeholders"]) == ("low_status_small_centre", 2)


def test_stakeholder_moving_account_is_recounted_in_both(factory: SessionFactory) -> None:
    apply(factory, account("a"), account("b"), identified("s1", account_id="a"))
    apply(factory, identified("s1", account_id="b", time="2026-11-21T10:00:00Z"))
    assert (get_account(factory, "a").active_stakeholders, get_account(factory, "b").active_stakeholders) == (0, 1)


def test_older_account_upsert_arriving_late_is_ignored(factory: SessionFactory) -> None:
    apply(factory, account(tier="standard", time="2026-11-20T00:00:00Z", region="EMEA"))
    apply(factory, account(tier="key", time="2026-11-18T00:00:00Z"))
    row = get_account(factory)
    assert (row.tier, row.region) == ("standard", "EMEA")
    apply(factory, account(tier="key", time="2026-11-21T00:00:00Z"))  # no region: the known one stays
    row = get_account(factory)
    assert (row.tier, row.region, row.customer_status) == ("key", "EMEA", "high")


def _put(factory: SessionFactory, kind: str, value: IcpProfile | QuadrantRules) -> tuple[int, int]:
    with unit_of_work(factory) as session:
        rows = settings.lock_for_update(session, TENANT)
        rows[kind].value, rows[kind].version = value.model_dump(mode="json"), rows[kind].version + 1
        rules = settings.TenantRules(IcpProfile.model_validate(rows["icp"].value), rows["icp"].version,
                                     QuadrantRules.model_validate(rows["quadrant"].value), rows["quadrant"].version)
        n, changed, events = accounts.rescore_tenant(session, TENANT, rules, cause=f"{kind}-v{rows[kind].version}",
                                                     fit=kind == "icp", quadrant=kind == "quadrant")
        staged.add_many(session, events)
        return n, changed


def test_icp_change_rescores_accounts_with_reasons(factory: SessionFactory) -> None:
    apply(factory, account("a", employees=100), account("b", tier="standard"))
    assert get_account(factory, "a").icp_fit is None  # no ICP yet
    assert _put(factory, "icp", IcpProfile(industries=["software"], employees=Range(min=200))) == (2, 2)
    a = get_account(factory, "a")
    assert a.icp_fit == 0.75 and [r["status"] for r in a.icp_reasons] == ["met", "partial"]  # (1 + 100/200) / 2
    assert get_account(factory, "b").icp_fit == 1.0
    fits = {e["data"]["account_id"]: e["data"] for e in outbox(factory, "insight.account.fit_changed")}
    assert fits["a"]["icp_fit"] == 0.75 and fits["a"]["previous_fit"] is None and fits["a"]["icp_version"] == 1
    # an account upserted after the change is scored with the new ICP at once
    apply(factory, account("c", employees=50))
    assert get_account(factory, "c").icp_fit == 0.625  # (1 + 50/200) / 2


def test_quadrant_rules_change_replaces_accounts(factory: SessionFactory) -> None:
    apply(factory, account("k", tier="key"), *[identified(f"s{i}", account_id="k") for i in range(4)])
    assert get_account(factory, "k").quadrant == "high_status_large_centre"
    assert _put(factory, "quadrant", QuadrantRules(high_status_tiers=["strategic"], large_centre_min=5)) == (1, 1)
    assert get_account(factory, "k").quadrant == "low_status_small_centre"
    last = outbox(factory, "insight.account.quadrant_changed")[-1]
    assert last["data"]["previous_quadrant"] == "high_status_large_centre"


def test_signal_actioned_before_captured_ends_up_correct(factory: SessionFactory) -> None:
    action = ev("signal.actioned", {"signal_id": "g1", "rep_id": "rep-b", "action": "message"}, "2026-11-20T15:00:00Z")
    apply(factory, action)
    with factory() as session:
        stub = session.get(Signal, (TENANT, "g1"))
        assert stub is not None and not stub.captured and stub.latency_hours is None
    apply(factory, ev("signal.captured", {"signal_id": "g1", "kind": "funding", "strength": 0.9, "account_id": "acme",
                                          "source": "news"}, "2026-11-20T09:00:00Z"))
    apply(factory, ev("signal.actioned", {"signal_id": "g1", "rep_id": "rep-a", "action": "call"},
                      "2026-11-20T11:30:00Z"))
    with factory() as session:
        signal = session.get(Signal, (TENANT, "g1"))
        assert signal is not None and signal.captured
        assert (signal.actioned_by, signal.action, signal.actions, signal.latency_hours) == ("rep-a", "call", 2, 2.5)


def test_erasure_clears_identity_notes_and_published_events(factory: SessionFactory) -> None:
    ada = {"profile_url": "https://www.linkedin.com/in/ada/", "email": "ada@example.com", "name": "Ada Lovelace"}
    apply(factory, account(), identified("s1", person="ada", email="Ada@Example.com", name="Ada Lovelace"),
          identified("s2", person="bob"),
          ev("profile.viewed", {"rep_id": "r", "person": {"email": "ADA@example.com"}}),
          ev("signal.captured", {"signal_id": "g", "kind": "job_change", "strength": 0.4, "person": ada}),
          ev("note.recorded", {"rep_id": "r", "account_id": "acme", "text": "ada lovelace owns the budget"}),
          ev("note.recorded", {"rep_id": "r", "account_id": "acme", "text": "call her",
                               "person": {"email": "ada@example.com"}}),
          ev("note.recorded", {"rep_id": "r", "account_id": "acme", "text": "Bob runs IT"}))
    with unit_of_work(factory) as session:
        session.execute(update(OutboxRow).values(state=PUBLISHED))
    request = {"specversion": "1.0", "id": "req-event-1", "source": "gateway",
               "type": "rapport.privacy.erasure.requested", "time": "2026-11-25T00:00:00Z", "tenantid": TENANT,
               "data": {"request_id": "rq1", "person": {"email": "ada@example.com", "name": "A. L."}}}
    with unit_of_work(factory) as session:
        erasure_requested(session, request)
    with factory() as session:
        s1 = session.get(Stakeholder, (TENANT, "s1"))
        assert s1 is not None and s1.erased_at is not None and s1.person_key == "erased:rq1"
        assert (s1.profile_url, s1.email, s1.name, s1.role, s1.active) == (None, None, None, "champion", True)
        assert session.scalars(select(ProfileView.person_key)).all() == ["erased:rq1"]
        signal = session.get(Signal, (TENANT, "g"))
        assert signal is not None and signal.person is None and signal.person_key == "erased:rq1"
        texts = session.scalars(select(Note.text).order_by(Note.id)).all()
        assert texts == ["[erased]", "[erased]", "Bob runs IT"]
        stored = [r.payload.decode() for r in session.scalars(select(OutboxRow))]
    completed = outbox(factory, "privacy.erasure.completed")
    keyring.default().forget(TENANT, erasure_keys({"email": "ada@example.com"}))  # the gateway, once complete
    payloads = [jsonutil.dumps(opened(p.encode())).decode() for p in stored]
    assert get_account(factory).active_stakeholders == 2  # anonymous counts stay
    needles = ("ada@example.com", "linkedin.com/in/ada/", "lovelace")
    leaked = [p for p in payloads if any(n in p.lower() for n in needles)]
    assert leaked == []  # no published event carries her any more, the completion neither
    assert any("linkedin.com/in/bob" in p for p in payloads)
    assert not [p for p in stored if any(n in p.lower() for n in (*needles, "linkedin.com/in/bob"))]  # sealed
    assert [c["data"] for c in completed] == [{"request_id": "rq1", "person": {"email": "erased:rq1"},
                                               "service": "insight"}]
    assert completed[0]["id"] == "erasure-completed-insight-req-event-1"
