"""The erasure scan (issue 13, "Done when"), on a PostgreSQL stack and on an SQLite stack.

One person is built across every service (a stakeholder, a profile view and a note naming them; a
connection and messages both ways; a content engagement; a connect-then-pitch alert). The scan
finds them first, in every service's database, so it is able to fail. Then:

- the person is erased through `POST /v1/privacy/erasure`; once every service has reported, no
  text, JSON or binary column of any table of any database holds their name, profile URL, e-mail
  or message text. The same scan over every message of every topic is expected to fail until the
  event log is crypto-shredded (docs/privacy.md);
- a tenant is deleted through `DELETE /v1/admin/tenants/{tenant_id}`; once every service has
  reported, no table of any database has a row of the tenant beyond the deletion's own records
  (ids, no personal data), and no column holds its people.

Each stack builds its person once per scenario (module fixtures); the tests assert on the result.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack.processes import SERVICES, Stack
from tests.integration.conftest import GATEWAY_PORT
from tests.integration.helpers import eventually, own_broker
from tests.integration.privacy_scan import Hit, database_urls, scan_databases, scan_topics, tenant_rows
from tests.integration.sqlite_stack import sqlite_stack as start_sqlite_stack
from tests.integration.test_privacy_erasure import Person, activity, event

DELETION_EVENTS = ("rapport.privacy.tenant_deletion.requested", "rapport.privacy.tenant_deletion.completed")


@pytest.fixture(scope="module")
def sqlite_scan_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """On a broker of its own: the session stack's services would otherwise also consume this stack's
    erasure requests and answer them, and its gateway would count those completions and destroy the
    person's keys before its own services had read the request."""
    data_dir: Path = tmp_path_factory.mktemp("erasure-scan") / "var"
    with own_broker(int(os.environ["RAPPORT_KAFKA_PORT"]) + 6) as kafka, \
            start_sqlite_stack(kafka, data_dir, name="erasure-scan", gateway_port=GATEWAY_PORT + 90,
                               service_base_port=GATEWAY_PORT + 100) as running:
        yield running.stack


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def any_stack(request: pytest.FixtureRequest) -> Stack:
    running: Stack = request.getfixturevalue("stack" if request.param == "postgresql" else "sqlite_scan_stack")
    return running


def http(running: Stack, key: str) -> httpx.Client:
    return httpx.Client(base_url=running.gateway_url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def platform(running: Stack) -> httpx.Client:
    return http(running, running.env["RAPPORT_BOOTSTRAP_TOKEN"])


@dataclass
class Built:
    """A tenant of its own with one person across every service."""

    stack: Stack
    tenant: str
    admin_key: str
    person: Person
    rep: str
    rep_name: str
    found_before: list[Hit] = field(default_factory=list)
    topics_before: list[Hit] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def urls(self) -> dict[str, str]:
        return database_urls(self.stack.env)

    def admin(self) -> httpx.Client:
        return http(self.stack, self.admin_key)


def new_tenant(running: Stack) -> tuple[str, str]:
    tenant = f"scan-{uuid.uuid4().hex[:10]}"
    with platform(running) as root:
        made = root.post("/v1/admin/tenants", json={"tenant_id": tenant, "name": f"Scan {tenant}"})
        assert made.status_code == 201, made.text
        team = root.post("/v1/admin/teams", json={"team_id": "t1", "name": "Team", "tenant_id": tenant})
        assert team.status_code == 201, team.text
        key = root.post("/v1/admin/api-keys", json={"role": "admin", "tenant_id": tenant})
        assert key.status_code == 201, key.text
    return tenant, str(key.json()["key"])


def person_everywhere(p: Person, *, tenant: str, rep: str) -> list[dict[str, Any]]:
    """The activity of test_privacy_erasure (stakeholder, profile view, note, connection, messages
    both ways, meeting, engagement received and given, referral) plus a pitch an hour after the
    connection was accepted (a connect-then-pitch alert), all in `tenant`."""
    events = activity(p, rep=rep, account=f"acct-{p.tag}", content=f"post-{p.tag}")
    events.append(event("network.message.sent", {
        "rep_id": rep, "conversation_id": f"conv-{p.tag}", "person": p.as_event(), "channel": "linkedin",
        "is_pitch": True, "text": f"{p.name}, our platform fits the {p.phrase}: book a demo this week"},
        days_ago=2.25))
    for e in events:
        e["tenantid"] = tenant
    return events


def build(running: Stack) -> Built:
    tenant, admin_key = new_tenant(running)
    p = Person()
    built = Built(running, tenant, admin_key, p, rep=f"rep-{p.tag}", rep_name=f"Rita R{p.tag}")
    with platform(running) as root:
        made = root.post("/v1/admin/reps", json={"rep_id": built.rep, "name": built.rep_name, "team_id": "t1",
                                                 "tenant_id": tenant})
        assert made.status_code == 201, made.text
    with built.admin() as admin:
        posted = admin.post("/v1/events", json=person_everywhere(p, tenant=tenant, rep=built.rep))
        assert posted.status_code == 202, posted.text

        def alert() -> list[dict[str, Any]] | None:
            answer = admin.get(f"/v1/reps/{built.rep}/alerts", params={"kind": "connect_then_pitch"})
            return (answer.json()["alerts"] or None) if answer.status_code == 200 else None

        eventually(alert, timeout=90, interval=1, what="the connect-then-pitch alert")

    def in_every_service() -> list[Hit] | None:
        hits = scan_databases(built.urls, p.needles())
        databases = {h.where.split(".")[0] for h in hits}
        return hits if set(SERVICES) <= databases else None

    built.found_before = eventually(in_every_service, timeout=90, interval=1,
                                    what="the person in the database of every service")
    built.topics_before = scan_topics(running.env["KAFKA_BOOTSTRAP_SERVERS"], p.needles(),
                                      keyring_url=built.urls["keyring"])
    return built


def completed(client: httpx.Client, url: str, *, what: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        status: dict[str, Any] = client.get(url).json()
        return status if status["status"] == "complete" else None

    return eventually(probe, timeout=120, interval=0.5, what=what)


@pytest.fixture(scope="module")
def erased(any_stack: Stack) -> Built:
    """A person built across every service, then erased (the erasure complete)."""
    built = build(any_stack)
    with built.admin() as admin:
        made = admin.post("/v1/privacy/erasure", json={"person": built.person.to_erase()})
        assert made.status_code == 202, made.text
        url = f"/v1/privacy/erasure/{made.json()['request_id']}"
        built.status = completed(admin, url, what="the erasure's completion")
    return built


@pytest.fixture(scope="module")
def deleted(any_stack: Stack) -> Built:
    """A tenant with a person across every service, then deleted (the deletion complete)."""
    built = build(any_stack)
    assert all(any(k.startswith(f"{db}.") for k in tenant_rows(built.urls, built.tenant)) for db in built.urls)
    with platform(any_stack) as root:
        made = root.delete(f"/v1/admin/tenants/{built.tenant}")
        assert made.status_code == 202, made.text
        built.status = made.json()
        with built.admin() as admin:  # the tenant's keys stop working at once
            assert admin.get("/v1/me").status_code == 401
        url = built.status["status_url"]
        built.status = completed(root, url, what="the tenant deletion's completion")
    return built


def test_erased_person_absent_from_every_table(erased: Built) -> None:
    databases = {h.where.split(".")[0] for h in erased.found_before}
    assert set(SERVICES) <= databases, f"the scan did not find the person before the erasure: {databases}"
    assert erased.status["status"] == "complete" and set(erased.status["services"]) == set(SERVICES)
    leaks = scan_databases(erased.urls, erased.person.needles())
    assert not leaks, "the erased person is still stored:\n" + "\n".join(map(str, leaks))


def test_erased_person_absent_from_topics(erased: Built) -> None:
    assert erased.topics_before, "the topic scan did not find the person before the erasure"
    leaks = scan_topics(erased.stack.env["KAFKA_BOOTSTRAP_SERVERS"], erased.person.needles(),
                        keyring_url=erased.urls["keyring"])
    assert not leaks, "the erased person is still on the topics:\n" + "\n".join(map(str, leaks[:20]))


def test_deleted_tenant_has_no_row_in_any_table(deleted: Built) -> None:
    assert deleted.status["status"] == "complete" and set(deleted.status["services"]) == set(SERVICES)
    left = tenant_rows(deleted.urls, deleted.tenant)
    unscoped = left.pop("unscoped", [])
    migrations = {(db, f"alembic_version_{db}") for db in deleted.urls}  # the schema's revision, no tenant's
    # the keyring's one-row counter of key destructions (the key caches' check): a number, no tenant's
    global_rows = {("keyring", "keyring_generation")}
    assert {(t["database"], t["table"]) for t in unscoped} <= migrations | global_rows, (
        f"tables a tenant deletion cannot scope: {unscoped}")
    records = {"gateway.tenant_deletion"}
    stray = {where: rows for where, rows in left.items()
             if where not in records and not all(r.get("event_type") in DELETION_EVENTS for r in rows)}
    assert not stray, f"rows of the deleted tenant are left: {stray}"
    leaks = scan_databases(deleted.urls, [*deleted.person.needles(), deleted.rep_name])
    assert not leaks, "the deleted tenant's people are still stored:\n" + "\n".join(map(str, leaks))


def test_deleting_a_tenant_is_idempotent_and_validated(deleted: Built) -> None:
    with platform(deleted.stack) as root:
        again = root.delete(f"/v1/admin/tenants/{deleted.tenant}")
        assert again.status_code == 202, again.text
        assert again.json()["request_id"] == deleted.status["request_id"]
        unknown = root.delete(f"/v1/admin/tenants/never-{secrets.token_hex(4)}")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["details"][0]["loc"] == ["path", "tenant_id"]
        bad = root.delete("/v1/admin/tenants/Not%20A%20Tenant")
        assert bad.status_code == 422
        assert bad.json()["error"]["details"][0]["loc"] == ["path", "tenant_id"]
    other, admin_key = new_tenant(deleted.stack)
    with http(deleted.stack, admin_key) as tenant_admin:  # a tenant's own admin may not delete tenants
        assert tenant_admin.delete(f"/v1/admin/tenants/{other}").status_code == 403
        assert tenant_admin.get(deleted.status["status_url"]).status_code == 403  # the platform admin's only


def test_deleted_tenant_people_absent_from_topics(deleted: Built) -> None:
    assert deleted.topics_before, "the topic scan did not find the tenant's person before the deletion"
    leaks = scan_topics(deleted.stack.env["KAFKA_BOOTSTRAP_SERVERS"], deleted.person.needles(),
                        keyring_url=deleted.urls["keyring"])
    assert not leaks, "the deleted tenant's people are still on the topics:\n" + "\n".join(map(str, leaks[:20]))

