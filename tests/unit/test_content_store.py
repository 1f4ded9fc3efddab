"""The content service's handlers and reads on an embedded SQLite database (migrations applied as
in production), without the broker: ingest → state, insight events → buying-centre copy, reads,
privacy. The same flows run through the real stack in tests/integration/test_content_engagement.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rapportkit import inbox
from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.envelope import Event, validate
from rapportkit.errors import ApiError
from rapportkit.ingest import apply_events
from rapportkit.outbox import OutboxRow
from rapportkit.pagination import PageParams
from rapportkit.sealing import opened
from services.content import models, queries
from services.content.events import HANDLERS
from services.content.ingest import INGEST_HANDLERS
from services.content.queries import Period
from tests.unit.stores import migrated_sqlite

TENANT = "acme-sales"
PAGE = PageParams(limit=50, offset=0)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sqlite(tmp_path, "content") as factory:
        yield factory


def ev(type_: str, data: dict[str, Any], time: str = "2026-11-02T09:00:00Z", tenant: str = TENANT) -> Event:
    return validate({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{type_}",
                     "time": time, "tenantid": tenant, "data": data})


def person(slug: str, name: str | None = None, **extra: str) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/{slug}/", **({"name": name} if name else {}), **extra}


def published(content_id: str, *, owner: str = "company", kind: str = "asset", title: str = "Cloud cost playbook",
              topics: tuple[str, ...] = ("#CloudCost", "FinOps"), time: str = "2026-11-01T08:00:00Z",
              tenant: str = TENANT) -> Event:
    return ev("content.item.published", {"content_id": content_id, "kind": kind, "title": title,
                                         "topics": list(topics), "owner": owner}, time, tenant)


def shared(content_id: str, rep: str, time: str = "2026-11-01T09:00:00Z", channel: str = "linkedin") -> Event:
    return ev("content.item.shared", {"content_id": content_id, "rep_id": rep, "channel": channel}, time)


def engaged(content_id: str, rep: str, who: dict[str, str], kind: str, time: str = "2026-11-02T10:00:00Z",
            tenant: str = TENANT) -> Event:
    return ev("content.engagement.recorded", {"content_id": content_id, "rep_id": rep, "person": who, "kind": kind},
              time, tenant)


def identified(sid: str, account: str, who: dict[str, str], role: str, time: str = "2026-10-01T00:00:00Z") -> Event:
    return ev("insight.stakeholder.identified", {"stakeholder_id": sid, "account_id": account, "person": who,
                                                 "role": role, "seniority": "vp"}, time)


def ingest(db: SessionFactory, *events: Event) -> tuple[int, int]:
    with unit_of_work(db) as session:
        return apply_events(session, list(events), INGEST_HANDLERS)


def consume(db: SessionFactory, *events: Event) -> None:
    for event in events:
        with unit_of_work(db) as session:
            if inbox.claim(session, event["tenantid"], event["id"], event["type"]):
                for handler in HANDLERS[event["type"]]:
                    handler(session, event)


def listing(db: SessionFactory, **kwargs: Any) -> dict[str, Any]:
    with db() as session:
        return queries.list_content(session, tenant_id=kwargs.pop("tenant_id", TENANT),
                                    params=kwargs.pop("params", PAGE), **kwargs)


def detail(db: SessionFactory, content_id: str, **kwargs: Any) -> dict[str, Any]:
    with db() as session:
        return queries.content_detail(session, tenant_id=kwargs.pop("tenant_id", TENANT), content_id=content_id,
                                      **kwargs)


DANA, ERIC, FAY = person("dana", "Dana Diaz"), person("eric", "Eric Ek"), person("fay", "Fay Fu")


def done_when_scenario(db: SessionFactory) -> None:
    """The issue's scenario: a company asset shared by two reps, engaged by 3 stakeholders of one
    account and 5 unknown people; a rep's post with more likes but no stakeholder engagement."""
    consume(db, ev("insight.account.upserted", {"account_id": "acc-acme", "name": "Acme", "tier": "strategic",
                                                "industry": "logistics", "employees": 900}),
            identified("s-dana", "acc-acme", DANA, "decision_maker"),
            identified("s-eric", "acc-acme", ERIC, "champion"))
    ingest(db, published("asset-1"), shared("asset-1", "rep-1"), shared("asset-1", "rep-2"),
           engaged("asset-1", "rep-1", DANA, "view"), engaged("asset-1", "rep-1", DANA, "view"),
           engaged("asset-1", "rep-2", DANA, "view"), engaged("asset-1", "rep-1", DANA, "comment"),
           engaged("asset-1", "rep-2", ERIC, "like"), engaged("asset-1", "rep-2", FAY, "download"),
           *(engaged("asset-1", "rep-1" if i % 2 else "rep-2", person(f"stranger-{i}"), "view") for i in range(5)),
           published("post-9", owner="rep-3", kind="post", title="Friday mood", topics=("culture",)),
           *(engaged("post-9", "rep-3", person(f"fan-{i}"), "like") for i in range(12)))
    # Fay is mapped into Acme's buying centre only after she engaged
    consume(db, identified("s-fay", "acc-acme", FAY, "user", time="2026-11-20T00:00:00Z"))


def test_done_when_asset_reads_back_and_ranks_above_the_vanity_post(db: SessionFactory) -> None:
    done_when_scenario(db)
    body = listing(db)
    assert [i["content_id"] for i in body["items"]] == ["asset-1", "post-9"]
    asset, post = body["items"]
    assert asset["rank"] == 1 and asset["owner"] == "company" and asset["shares"] == 2 and asset["sharing_reps"] == 2
    # Dana view 1×5 + comment 6×5; Eric like 2×4; Fay download 3×2; 5 stranger views × 0.1
    assert asset["engagement"]["score"] == pytest.approx(35 + 8 + 6 + 0.5)
    assert post["engagement"]["score"] == pytest.approx(12 * 2 * 0.1)
    assert post["engagement"]["by_kind"]["like"] > asset["engagement"]["by_kind"]["like"]

    item = detail(db, "asset-1")
    e = item["engagement"]
    assert e["by_kind"] == {"view": 6, "like": 1, "comment": 1, "share": 0, "click": 0, "download": 1}
    assert e["repeats_ignored"] == {"view": 2}
    assert (e["people"], e["stakeholders"], e["unknown_people"], e["accounts"]) == (8, 3, 5, 1)
    assert e["by_account"] == [{"account_id": "acc-acme", "name": "Acme", "tier": "strategic", "stakeholders": 3,
                                "by_kind": {"view": 1, "like": 1, "comment": 1, "share": 0, "click": 0,
                                            "download": 1},
                                "score": pytest.approx(49.0)}]
    named = {s["name"]: s for s in item["engaged"]["stakeholders"]}
    assert list(named) == ["Dana Diaz", "Eric Ek", "Fay Fu"]  # by score
    assert named["Dana Diaz"]["role"] == "decision_maker" and named["Dana Diaz"]["account_name"] == "Acme"
    assert named["Dana Diaz"]["by_kind"] == {"view": 1, "comment": 1}
    assert item["engaged"]["unknown_people"] == 5
    assert item["shares"]["total"] == 2 and [r["rep_id"] for r in item["shares"]["by_rep"]] == ["rep-1", "rep-2"]
    by_rep = {r["rep_id"]: r for r in e["by_rep"]}
    assert by_rep["rep-1"]["stakeholders"] == 1 and by_rep["rep-2"]["stakeholders"] == 3
    assert sum(line["points"] for line in e["breakdown"]) == pytest.approx(e["score"])


def test_filters_by_rep_topic_kind_owner_and_period(db: SessionFactory) -> None:
    done_when_scenario(db)
    assert [i["content_id"] for i in listing(db, topic="cloudcost")["items"]] == ["asset-1"]
    assert [i["content_id"] for i in listing(db, topic="#FinOps")["items"]] == ["asset-1"]
    assert listing(db, topic="nothing")["total"] == 0
    assert [i["content_id"] for i in listing(db, kind="post")["items"]] == ["post-9"]
    assert [i["content_id"] for i in listing(db, owner="company")["items"]] == ["asset-1"]
    rep3 = listing(db, rep_id="rep-3")
    assert [i["content_id"] for i in rep3["items"]] == ["post-9"]
    rep1 = listing(db, rep_id="rep-1")["items"]
    assert [i["content_id"] for i in rep1] == ["asset-1"]
    # through rep-1's share: Dana (views, comment) and strangers 1 and 3
    assert rep1[0]["engagement"]["people"] == 3 and rep1[0]["shares"] == 1
    assert listing(db, period=Period(date(2026, 11, 3), None))["total"] == 0
    assert listing(db, period=Period(None, date(2026, 11, 1)))["total"] == 2  # published that day
    on_the_2nd = listing(db, period=Period(date(2026, 11, 2), date(2026, 11, 2)))
    assert on_the_2nd["total"] == 2 and on_the_2nd["items"][0]["shares"] == 0


def test_pagination_keeps_the_ranking(db: SessionFactory) -> None:
    done_when_scenario(db)
    second = listing(db, params=PageParams(limit=1, offset=1))
    assert second["total"] == 2 and second["limit"] == 1 and second["offset"] == 1
    assert [(i["rank"], i["content_id"]) for i in second["items"]] == [(2, "post-9")]
    assert second["weights"]["stranger"] == 0.1


def test_unknown_content_and_other_tenants_are_404(db: SessionFactory) -> None:
    done_when_scenario(db)
    with pytest.raises(ApiError) as err:
        detail(db, "asset-1", tenant_id="other")
    assert err.value.status == 404
    with pytest.raises(ApiError):
        detail(db, "nope")
    assert listing(db, tenant_id="other")["total"] == 0


def test_out_of_order_share_before_publish_and_late_older_version(db: SessionFactory) -> None:
    ingest(db, shared("c-1", "rep-1", time="2026-11-03T09:00:00Z"),
           engaged("c-1", "rep-1", person("zed"), "click", time="2026-11-03T10:00:00Z"))
    placeholder = detail(db, "c-1")
    assert placeholder["published"] is False and placeholder["title"] is None
    assert placeholder["engagement"]["by_kind"]["click"] == 1
    ingest(db, published("c-1", title="v2", topics=("new",), time="2026-11-02T00:00:00Z"))
    ingest(db, published("c-1", title="v1", topics=("old",), time="2026-11-01T00:00:00Z"))
    item = detail(db, "c-1")
    assert item["title"] == "v2" and item["topics"] == ["new"] and item["published_at"] == "2026-11-01T00:00:00Z"
    assert listing(db, topic="new")["total"] == 1 and listing(db, topic="old")["total"] == 0


def test_same_event_twice_is_applied_once(db: SessionFactory) -> None:
    e = engaged("c-2", "rep-1", person("ann"), "comment")
    assert ingest(db, e) == (1, 0)
    assert ingest(db, e, e) == (0, 2)
    assert detail(db, "c-2")["engagement"]["by_kind"]["comment"] == 1


def test_person_without_a_usable_key_is_refused(db: SessionFactory) -> None:
    with pytest.raises(ApiError) as err:
        ingest(db, engaged("c-3", "rep-1", {"profile_url": "   "}, "view"))
    assert err.value.status == 422 and "person" in err.value.message


def test_stakeholder_matched_by_email_and_departure_out_of_order(db: SessionFactory) -> None:
    ann = {"profile_url": "https://linkedin.com/in/ann", "email": "Ann@Acme.com", "name": "Ann"}
    consume(db, ev("insight.stakeholder.departed", {"stakeholder_id": "s-ann", "account_id": "acc-acme"},
                   "2026-11-10T00:00:00Z"),
            identified("s-ann", "acc-acme", ann, "economic_buyer", time="2026-10-01T00:00:00Z"))
    ingest(db, engaged("c-4", "rep-1", {"email": "ann@acme.com"}, "view", time="2026-11-05T00:00:00Z"),
           engaged("c-5", "rep-1", {"email": "ann@acme.com"}, "view", time="2026-11-15T00:00:00Z"))
    before = detail(db, "c-4")["engaged"]
    assert [s["stakeholder_id"] for s in before["stakeholders"]] == ["s-ann"]
    assert before["stakeholders"][0]["departed"] is True
    after = detail(db, "c-5")["engaged"]
    assert after["stakeholders"] == [] and after["unknown_people"] == 1


def test_erasure_keeps_anonymous_counts_and_names_nobody(db: SessionFactory) -> None:
    done_when_scenario(db)
    before = detail(db, "asset-1")["engagement"]
    request = ev("privacy.erasure.requested", {"request_id": "req-1", "person": {
        "profile_url": "https://linkedin.com/in/DANA", "email": "dana@acme.com"}})
    consume(db, request, ev("privacy.erasure.requested", {"request_id": "req-2", "person": person("stranger-0")}))
    item = detail(db, "asset-1")
    after = item["engagement"]
    for field in ("score", "by_kind", "people", "stakeholders", "unknown_people", "by_account"):
        assert after[field] == before[field], field
    assert [s["name"] for s in item["engaged"]["stakeholders"]] == ["Eric Ek", "Fay Fu"]
    assert item["engaged"]["anonymous_stakeholders"] == 1
    with db() as session:
        keys = set(session.scalars(select(models.EngagementReceived.person_key)))
        assert "linkedin.com/in/dana" not in keys and "linkedin.com/in/stranger-0" not in keys
        assert {"erased:req-1", "erased:req-2"} <= keys
        stakeholder = session.get(models.InsightStakeholder, (TENANT, "s-dana"))
        assert stakeholder is not None and stakeholder.name is None and stakeholder.person_key == "erased:req-1"
        completed = [opened(r.payload) for r in session.scalars(select(OutboxRow).where(
            OutboxRow.event_type == "rapport.privacy.erasure.completed"))]
    assert sorted(c["data"]["request_id"] for c in completed) == ["req-1", "req-2"]
    assert all(c["data"]["service"] == "content" and c["tenantid"] == TENANT for c in completed)


def test_engagement_given_is_attributed_to_stakeholders(db: SessionFactory) -> None:
    done_when_scenario(db)
    ingest(db, *(ev("content.engagement.given", {"rep_id": "rep-1", "kind": kind, "link": f"https://x/{i}",
                                                 **({"person": who} if who else {})})
                 for i, (kind, who) in enumerate([("like", DANA), ("comment", DANA), ("Praise", ERIC),
                                                  ("like", person("nobody")), ("like", None)])))
    with db() as session:
        given = queries.engagement_given(session, tenant_id=TENANT, rep_id="rep-1")
    assert given["total"] == 5 and given["by_kind"] == {"comment": 1, "like": 3, "praise": 1}
    assert [(s["name"], s["by_kind"]) for s in given["stakeholders"]] == [
        ("Dana Diaz", {"like": 1, "comment": 1}), ("Eric Ek", {"praise": 1})]
    assert given["by_account"] == [{"account_id": "acc-acme", "name": "Acme", "stakeholders": 2, "events": 3}]
    assert (given["unknown_people"], given["without_person"]) == (1, 1)

