"""The erasure API's contract without the stack: admin only, 422 naming the field, 202 with a request
id whose event is staged in the same transaction, per-service completion recorded by the consumer
handler, and nothing identifying the person kept or shown by the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway import privacy
from gateway.models import ErasureRequest, ImportJob
from gateway.stream_hub import Hub, Subscriber
from rapportkit import jsonutil
from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.envelope import new_event
from rapportkit.identity import Identity
from rapportkit.outbox import OutboxRow, mark_published
from rapportkit.privacy import needles_of
from rapportkit.sealing import opened
from tests.unit.gateway_app import gateway_client, gateway_database

ADMIN = Identity(tenant_id="acme", role="admin", key_id="k-admin")
PERSON = {"profile_url": "https://www.LinkedIn.com/in/Grace-Hopper/?trk=x", "email": "grace@navy.example",
          "name": "Grace Hopper"}


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[SessionFactory]:
    with gateway_database(tmp_path) as made:
        yield made


@pytest.fixture
def caller() -> list[Identity]:
    return [ADMIN]


@pytest.fixture
def client(factory: SessionFactory, caller: list[Identity]) -> Iterator[TestClient]:
    with gateway_client(factory, caller, privacy.router) as c:
        yield c


def complete(factory: SessionFactory, request_id: str, service: str, tenant: str = "acme") -> None:
    event = new_event(type=privacy.COMPLETED, tenant_id=tenant, source=f"rapport/{service}",
                      data={"request_id": request_id, "person": {"email": "grace@navy.example"}, "service": service})
    with unit_of_work(factory) as session:
        privacy.record_completion(session, event)


@pytest.mark.parametrize(("body", "loc"), [
    ({}, ["person"]),
    ({"person": {"company": "US Navy"}}, ["person"]),  # no URL, e-mail or name
    ({"person": {"email": "not-an-address"}}, ["person", "email"]),
    ({"person": {"profile_url": ""}}, ["person", "profile_url"]),
    ({"person": {"email": "g@x.example", "phone": "555"}}, ["person", "phone"]),
    ({"person": {"email": "g@x.example", "name": "  "}}, ["person", "name"]),
    ({"person": "grace"}, ["person"]),
])
def test_bad_input_is_422_naming_the_field(client: TestClient, body: dict[str, Any], loc: list[str]) -> None:
    response = client.post("/v1/privacy/erasure", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert loc in [d["loc"] for d in error["details"]]


def test_request_is_stored_with_its_event_and_completes_per_service(client: TestClient,
                                                                    factory: SessionFactory) -> None:
    response = client.post("/v1/privacy/erasure", json={"person": PERSON})
    assert response.status_code == 202, response.text
    body = response.json()
    request_id = body["request_id"]
    assert response.headers["location"] == f"/v1/privacy/erasure/{request_id}"
    assert body["status"] == "pending" and body["completed_at"] is None
    assert body["services"] == {s: {"status": "pending", "completed_at": None}
                                for s in ("insight", "network", "content", "scoring")}

    with factory() as session:
        row = session.get(ErasureRequest, ("acme", request_id))
        assert row is not None and set(row.person) == {"key_sha256"}  # nothing that names the person
        [staged] = session.scalars(select(OutboxRow).where(OutboxRow.tenant_id == "acme"))
        assert b"grace" not in staged.payload.lower()  # sealed in the outbox as on the topic
        event = opened(staged.payload)
        assert staged.event_type == "rapport.privacy.erasure.requested" and staged.topic == "rapport.privacy.v2"
        assert staged.key == f"acme:{request_id}"
        assert event["data"] == {"request_id": request_id, "person": {
            "profile_url": "https://www.LinkedIn.com/in/Grace-Hopper/?trk=x", "email": "grace@navy.example",
            "name": "Grace Hopper"}}
        mark_published(session, [staged.seq])
        session.commit()

    for service in ("insight", "network", "scoring"):
        complete(factory, request_id, service)
    complete(factory, request_id, "insight")  # a redelivery changes nothing
    partial = client.get(f"/v1/privacy/erasure/{request_id}").json()
    assert partial["status"] == "pending"
    assert [s for s, v in partial["services"].items() if v["status"] == "pending"] == ["content"]

    complete(factory, request_id, "content")
    done = client.get(f"/v1/privacy/erasure/{request_id}").json()
    assert done["status"] == "complete"
    assert done["completed_at"] == max(v["completed_at"] for v in done["services"].values())
    text = client.get("/v1/privacy/erasure").text + jsonutil.dumps(done).decode()
    for needle in ("grace", "hopper", "linkedin.com"):
        assert needle not in text.lower()
    with factory() as session:
        [staged] = session.scalars(select(OutboxRow).where(OutboxRow.tenant_id == "acme"))
        assert opened(staged.payload)["data"]["person"]["email"].startswith("erased:")  # its key destroyed


def test_another_tenants_request_is_404_and_unknown_completions_are_ignored(
        client: TestClient, caller: list[Identity], factory: SessionFactory) -> None:
    request_id = client.post("/v1/privacy/erasure", json={"person": {"email": "a@b.example"}}).json()["request_id"]
    complete(factory, "er-unknown", "insight")
    complete(factory, request_id, "insight", tenant="other")
    assert client.get(f"/v1/privacy/erasure/{request_id}").json()["services"]["insight"]["status"] == "pending"
    caller[0] = Identity(tenant_id="other", role="admin")
    assert client.get(f"/v1/privacy/erasure/{request_id}").status_code == 404
    assert client.get("/v1/privacy/erasure").json()["total"] == 0


def test_request_redacts_import_errors_and_stream_buffers(client: TestClient, factory: SessionFactory) -> None:
    now = datetime.now(UTC)
    with unit_of_work(factory) as session:
        session.add(ImportJob(tenant_id="acme", job_id="job-1", kind="linkedin", status="done", rows_read=2,
                              events_produced=1, events_accepted=1, duplicates=0, rejected=1, files=[], error=None,
                              rejections=[{"row": 7, "value": "Grace Hopper,grace@navy.example"},
                                          {"row": 9, "value": "Alan Turing"}],
                              created_at=now, updated_at=now))
    hub: Hub = client.app.state.stream_hub  # type: ignore[attr-defined]
    mention = new_event(type="rapport.network.connection.accepted", tenant_id="acme", source="t",
                        data={"rep_id": "rep-1", "person": {"profile_url": "linkedin.com/in/grace-hopper"}})
    other = new_event(type="rapport.network.connection.accepted", tenant_id="acme", source="t",
                      data={"rep_id": "rep-1", "person": {"profile_url": "linkedin.com/in/alan-turing"}})
    hub.publish([("acme", jsonutil.dumps(mention)), ("acme", jsonutil.dumps(other))])

    assert client.post("/v1/privacy/erasure", json={"person": PERSON}).status_code == 202
    with factory() as session:
        job = session.get(ImportJob, ("acme", "job-1"))
        assert job is not None
        assert job.rejections == [{"row": 7, "value": "[erased]"}, {"row": 9, "value": "Alan Turing"}]
    loop = asyncio.new_event_loop()
    try:
        backlog = hub.subscribe("acme", ("another-epoch", 0), Subscriber(loop))
    finally:
        loop.close()
    assert [(i.event() or {}).get("id") for i in backlog.items] == [other["id"]]


def test_needles_cover_key_url_email_and_name() -> None:
    assert needles_of(PERSON) == sorted({
        "https://www.linkedin.com/in/grace-hopper/?trk=x", "linkedin.com/in/grace-hopper", "grace@navy.example",
        "grace hopper"})
    assert needles_of({"email": "X@Y.example", "name": "Al"}) == ["x@y.example"]
