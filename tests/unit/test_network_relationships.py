"""The relationship map's reads on an SQLite network store (services/network/relationships.py):
a person known by name to one rep and by URL to another is one person; the caller's reach decides
whose strength it sees; erasure keeps the relationships under the pseudonym. The same code runs on
PostgreSQL through the gateway in tests/integration/test_relationships.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from services.network.relationships import account_relationships, person_relationships
from tests.unit.stores import migrated_sqlite
from tests.unit.test_network_store import TENANT, consume, ev, ingest

LEE = {"profile_url": "https://www.linkedin.com/in/lee-park/", "name": "Lee Park"}
ADMIN = Identity(tenant_id=TENANT, role="admin")


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sqlite(tmp_path, "network") as factory:
        yield factory


def read_map(factory: SessionFactory, identity: Identity = ADMIN) -> dict[str, Any]:
    with unit_of_work(factory) as session:
        return account_relationships(session, identity, "acme")


def test_a_person_known_by_name_and_by_url_is_one_person(factory: SessionFactory) -> None:
    ingest(factory, ev("network.connection.accepted", "2026-11-01T09:00:00Z", rep_id="ana",
                       person={"name": "Lee Park"}),  # an old export: the name only
           ev("network.connection.accepted", "2026-11-02T09:00:00Z", rep_id="ben", person=LEE))
    consume(factory, ev("insight.stakeholder.identified", "2026-11-03T09:00:00Z", stakeholder_id="s1",
                        account_id="acme", person=LEE, role="champion", seniority="vp"),
            ev("content.engagement.recorded", "2026-11-04T09:00:00Z", content_id="post-1", rep_id="ana",
               person=LEE, kind="comment"))
    found = read_map(factory)
    [lee] = found["stakeholders"]
    assert (lee["person"], [r["rep_id"] for r in lee["reps"]]) == (LEE, ["ana", "ben"])  # ana: also engaged
    ana = {f["factor"]: f["value"] for f in lee["reps"][0]["factors"]}
    assert (ana["connection"], ana["engagement"]) == (True, 1)
    assert lee["reps"][0]["last_touch"] == "2026-11-04T09:00:00Z"
    assert found["coverage"] == {"stakeholders": 1, "known": 1, "share": 1.0}
    assert found["roles_uncovered"] == ["decision_maker", "economic_buyer", "influencer", "user", "gatekeeper"]

    # a rep sees who knows Lee, and only its own strength; a manager those of its teams' reps
    as_ben = read_map(factory, Identity(tenant_id=TENANT, role="rep", rep_id="ben"))["stakeholders"][0]["reps"]
    assert as_ben[0] == {"rep_id": "ana", "strength": None, "factors": None, "last_touch": None}
    assert as_ben[1]["strength"] == lee["reps"][1]["strength"]
    manager = Identity(tenant_id=TENANT, role="manager", team_ids=("t1",), rep_ids=("ana",))
    assert [r["strength"] is None for r in read_map(factory, manager)["stakeholders"][0]["reps"]] == [False, True]

    with unit_of_work(factory) as session:
        who = person_relationships(session, ADMIN, profile_url="linkedin.com/in/Lee-Park", email=None)
        assert [r["rep_id"] for r in who["reps"]] == ["ana", "ben"]
        assert who["stakeholder_of"] == [{"account_id": "acme", "stakeholder_id": "s1", "role": "champion",
                                          "active": True}]
        with pytest.raises(ApiError) as refused:
            person_relationships(session, ADMIN, profile_url=LEE["profile_url"], email="lee@example.com")
        assert refused.value.details[0]["loc"] == ["query", "profile_url"]

    # erasure: the stakeholder keeps its relationships under the pseudonym, the person is gone
    consume(factory, ev("privacy.erasure.requested", "2026-11-05T00:00:00Z", request_id="req-1",
                        person={"profile_url": LEE["profile_url"]}))
    [erased] = read_map(factory)["stakeholders"]
    assert erased["person"] is None and erased["person_key"] == "erased:req-1"
    # ben's connection and ana's engagement were stored under the URL: both follow the pseudonym (ana's
    # connection by name stays with the name, whose alias the erasure forgot)
    assert [r["rep_id"] for r in erased["reps"]] == ["ben", "ana"]
    with unit_of_work(factory) as session:
        assert person_relationships(session, ADMIN, profile_url=LEE["profile_url"], email=None)["reps"] == []


def test_departed_stakeholders_keep_the_reps_who_knew_them(factory: SessionFactory) -> None:
    ingest(factory, ev("network.meeting.held", "2026-11-01T09:00:00Z", rep_id="ana", meeting_id="m1",
                       person=LEE, kind="video"))
    consume(factory, ev("insight.stakeholder.identified", "2026-10-01T09:00:00Z", stakeholder_id="s1",
                        account_id="acme", person=LEE, role="decision_maker", seniority="vp"),
            ev("insight.stakeholder.departed", "2026-11-20T09:00:00Z", stakeholder_id="s1", account_id="acme"))
    found = read_map(factory)
    assert found["stakeholders"] == [] and found["coverage"] == {"stakeholders": 0, "known": 0, "share": None}
    [left] = found["departed"]
    assert left["departed_at"] == "2026-11-20T09:00:00Z" and [r["rep_id"] for r in left["reps"]] == ["ana"]
    with unit_of_work(factory) as session, pytest.raises(ApiError) as missing:
        account_relationships(session, ADMIN, "nowhere")
    assert missing.value.status == 404
