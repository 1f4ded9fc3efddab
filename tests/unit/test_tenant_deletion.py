"""Tenant deletion without the stack: the generic deletion reaches every table of every service and
of the gateway by its `tenant_id` and keeps only the deletion's own records; the gateway's
`DELETE /v1/admin/tenants/{tenant_id}` deletes the tenant's rows, stages the event, forgets its
keys, answers a second request with the first, and names the field of a bad or unknown id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Column, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from gateway import directory, tenant_deletion
from gateway.auth import KEYS
from gateway.models import ApiKey, Rep, Tenant, TenantDeletion
from gateway.models import Base as GatewayBase
from rapportkit import jsonutil, outbox
from rapportkit.db import SessionFactory, make_engine, make_session_factory, unit_of_work
from rapportkit.envelope import new_event, validate
from rapportkit.identity import Identity
from rapportkit.inbox import InboxRow
from rapportkit.outbox import OutboxRow
from rapportkit.tenants import COMPLETED, REQUESTED, delete_tenant, tables_of, tenant_deletion_handler
from services.content.models import Base as ContentBase
from services.content.models import ContentItem, EngagementReceived
from services.insight.models import Base as InsightBase
from services.network.models import Base as NetworkBase
from services.scoring.models import Base as ScoringBase
from tests.unit.gateway_app import gateway_client, gateway_database

PLATFORM = Identity(tenant_id="demo", role="admin", key_id="bootstrap", platform_admin=True)
NOW = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize("metadata", [InsightBase.metadata, NetworkBase.metadata, ContentBase.metadata,
                                      ScoringBase.metadata, GatewayBase.metadata],
                         ids=["insight", "network", "content", "scoring", "gateway"])
def test_every_table_has_a_tenant_id_for_the_deletion_to_reach(metadata: MetaData) -> None:
    tables = tables_of(metadata)
    assert {"outbox", "inbox"} <= {t.name for t in tables}
    assert [t.name for t in tables if "tenant_id" not in t.c] == []


def stage(session: Session, tenant: str, event_type: str, n: int) -> None:
    event = new_event(type=event_type, tenant_id=tenant, source="t", id=f"{event_type}-{n}",
                      data={"request_id": "td-1", "tenant_id": tenant})
    outbox.add(session, event)
    session.add(InboxRow(tenant_id=tenant, event_id=f"in-{event_type}-{n}", event_type=event_type, processed_at=NOW))


def test_deletes_every_row_of_the_tenant_and_keeps_the_deletion_records(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'content.db'}")
    for md in (ContentBase.metadata, OutboxRow.metadata):
        md.create_all(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        for tenant in ("gone", "kept"):
            session.add(ContentItem(tenant_id=tenant, content_id="post-1", title="Buying centres", topics=[]))
            session.add(EngagementReceived(tenant_id=tenant, event_id="e1", content_id="post-1", rep_id="r1",
                                           kind="like", at=NOW, person_key="linkedin.com/in/ada", person_name="Ada"))
            stage(session, tenant, "rapport.content.engagement.recorded", 1)
        stage(session, "gone", REQUESTED, 2)
    with unit_of_work(factory) as session:
        handler = tenant_deletion_handler("content", ContentBase.metadata)
        request = new_event(type=REQUESTED, tenant_id="gone", source="rapport/gateway", id="td-event",
                            data={"request_id": "td-1", "tenant_id": "gone"})
        handler(session, request)
        handler(session, request)  # a redelivery deletes nothing more and publishes one completion
    with factory() as session:
        for model in (ContentItem, EngagementReceived):
            tenants = session.scalars(select(model.tenant_id)).all()
            assert tenants == ["kept"], model.__tablename__
        left = {(r.tenant_id, r.event_type) for r in session.scalars(select(OutboxRow))}
        assert left == {("kept", "rapport.content.engagement.recorded"), ("gone", REQUESTED), ("gone", COMPLETED)}
        inbox = {(r.tenant_id, r.event_type) for r in session.scalars(select(InboxRow))}
        assert inbox == {("kept", "rapport.content.engagement.recorded"), ("gone", REQUESTED)}
        [done] = session.scalars(select(OutboxRow).where(OutboxRow.event_type == COMPLETED))
        completion = validate(jsonutil.loads(done.payload))
        assert completion["data"] == {"request_id": "td-1", "tenant_id": "gone", "service": "content"}
    engine.dispose()


def test_a_table_without_tenant_id_is_refused() -> None:
    metadata = MetaData()
    Table("loose", metadata, Column("id", String, primary_key=True))
    with pytest.raises(ValueError, match="loose"):
        delete_tenant(Session(), "t", metadata)


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[SessionFactory]:
    with gateway_database(tmp_path) as made:
        yield made


@pytest.fixture
def caller() -> list[Identity]:
    return [PLATFORM]


@pytest.fixture
def client(factory: SessionFactory, caller: list[Identity]) -> Iterator[TestClient]:
    with gateway_client(factory, caller, tenant_deletion.router) as c:
        yield c


def test_delete_removes_the_gateways_rows_forgets_keys_and_completes_per_service(
        client: TestClient, factory: SessionFactory) -> None:
    with unit_of_work(factory) as session:
        for tenant in ("acme", "other"):
            directory.create_tenant(session, tenant_id=tenant, name=tenant)
            directory.upsert_team(session, tenant_id=tenant, team_id="t1", name="Team")
            directory.upsert_rep(session, tenant_id=tenant, rep_id="r1", name="Rita Rep", team_id="t1")
        made = directory.create_key(session, tenant_id="acme", name="k", role="admin", rep_id=None, team_ids=[],
                                    user_id=None)
        key_id, key_hash = made.key.key_id, made.key.key_hash
    KEYS.put(key_hash, Identity(tenant_id="acme", role="admin", key_id=key_id))

    response = client.delete("/v1/admin/tenants/acme")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["tenant_id"] == "acme" and body["status"] == "pending"
    assert body["status_url"] == f"/v1/privacy/tenant-deletions/{body['request_id']}"
    assert response.headers["location"] == body["status_url"]
    assert KEYS.get(key_hash) is None  # refused at once, not after the cache's seconds
    with factory() as session:
        for model in (Tenant, Rep, ApiKey):
            assert "acme" not in session.scalars(select(model.tenant_id)).all(), model.__tablename__
        assert session.scalar(select(func.count()).select_from(Rep).where(Rep.tenant_id == "other")) == 1
        [staged] = session.scalars(select(OutboxRow).where(OutboxRow.tenant_id == "acme"))
        event = validate(jsonutil.loads(staged.payload))
        assert event["type"] == REQUESTED and event["data"] == {"request_id": body["request_id"], "tenant_id": "acme"}

    again = client.delete("/v1/admin/tenants/acme")
    assert again.status_code == 202 and again.json()["request_id"] == body["request_id"]

    for service in ("insight", "network", "content", "scoring"):
        done = new_event(type=COMPLETED, tenant_id="acme", source=f"rapport/{service}",
                         data={"request_id": body["request_id"], "tenant_id": "acme", "service": service})
        with unit_of_work(factory) as session:
            tenant_deletion.record_completion(session, done)
    status = client.get(body["status_url"]).json()
    assert status["status"] == "complete" and status["completed_at"] is not None
    with factory() as session:
        assert session.scalars(select(TenantDeletion.tenant_id)).all() == ["acme"]


@pytest.mark.parametrize(("path", "status", "loc"), [
    ("/v1/admin/tenants/never-was", 404, ["path", "tenant_id"]),
    ("/v1/admin/tenants/Not%20A%20Tenant", 422, ["path", "tenant_id"]),
])
def test_bad_or_unknown_tenant_names_the_field(client: TestClient, path: str, status: int, loc: list[str]) -> None:
    response = client.delete(path)
    assert response.status_code == status, response.text
    assert loc in [d["loc"] for d in response.json()["error"]["details"]]


def test_a_deletion_reads_by_its_request_id(client: TestClient, factory: SessionFactory) -> None:
    with unit_of_work(factory) as session:
        session.add(TenantDeletion(tenant_id="gone", request_id="td-1", requested_at=NOW, completed={}))
    assert client.get("/v1/privacy/tenant-deletions/td-1").json()["status"] == "pending"
    assert client.get("/v1/privacy/tenant-deletions/td-2").status_code == 404
