"""`/v1/admin/...`: validation naming the field, keys shown once and stored hashed, tenants kept
apart, and `directory.rep.upserted` staged with the rep in one transaction."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from gateway.models import ApiKey
from rapportkit import jsonutil
from rapportkit.outbox import OutboxRow
from rapportkit.sealing import opened
from tests.unit.test_gateway_access import Gateway, Keys, gw, keys  # noqa: F401 - fixtures

__all__ = ["gw", "keys"]


def error_locs(body: dict[str, Any]) -> list[list[Any]]:
    return [d["loc"] for d in body["error"]["details"]]


def named(body: dict[str, Any], field: str) -> bool:
    return any(field in loc for loc in error_locs(body))


def test_unknown_role_is_422_naming_role(gw: Gateway) -> None:
    r = gw.post("/v1/admin/api-keys", {"role": "superuser"})
    assert r.status_code == 422 and named(r.json(), "role"), r.text


def test_key_fields_follow_the_role(gw: Gateway) -> None:
    cases = [
        ({"role": "rep", "tenant_id": "acme"}, "rep_id"),
        ({"role": "rep", "tenant_id": "acme", "rep_id": "ghost"}, "rep_id"),
        ({"role": "admin", "tenant_id": "acme", "rep_id": "ann"}, "rep_id"),
        ({"role": "manager", "tenant_id": "acme"}, "team_ids"),
        ({"role": "manager", "tenant_id": "acme", "team_ids": ["east", "north"]}, "team_ids"),
        ({"role": "rep", "tenant_id": "acme", "rep_id": "ann", "team_ids": ["east"]}, "team_ids"),
        ({"role": "ingest", "tenant_id": "acme", "user_id": "nobody"}, "user_id"),
        ({"role": "ingest", "tenant_id": "acme", "team_id": "east"}, "team_id"),  # unknown field
        ({"role": "ingest", "tenant_id": "Not A Tenant"}, "tenant_id"),
        ({"role": "rep", "tenant_id": "acme", "rep_id": "a/b"}, "rep_id"),
    ]
    for body, field in cases:
        r = gw.post("/v1/admin/api-keys", body)
        assert r.status_code == 422, (body, r.text)
        assert named(r.json(), field), (body, r.text)


def test_key_is_shown_once_and_stored_as_its_hash(gw: Gateway) -> None:
    made = gw.post("/v1/admin/api-keys", {"role": "ingest", "name": "crm sync", "tenant_id": "acme"}).json()
    secret = made["key"]
    assert secret.startswith("rp_") and len(secret) > 40
    assert made["prefix"] == secret[:12] and made["name"] == "crm sync" and made["tenant_id"] == "acme"
    listed = gw.get("/v1/admin/api-keys", tenant_id="acme")
    assert listed.status_code == 200
    assert secret not in listed.text and "key_hash" not in listed.text
    assert [k["key_id"] for k in listed.json()["items"]] == [made["key_id"]]
    one = gw.get(f"/v1/admin/api-keys/{made['key_id']}", tenant_id="acme").json()
    assert "key" not in one and one["prefix"] == made["prefix"]
    with gw.app.state.session_factory() as session:
        row = session.scalars(select(ApiKey)).one()
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in jsonutil.dumps([str(getattr(row, c)) for c in ApiKey.__table__.columns.keys()]).decode()


def test_revoked_keys_are_listed_on_request(gw: Gateway, keys: Keys) -> None:
    listed = gw.get("/v1/admin/api-keys", key=keys.admin).json()
    assert listed["total"] == 4
    victim = next(k for k in listed["items"] if k["role"] == "ingest")
    assert gw.client.delete(f"/v1/admin/api-keys/{victim['key_id']}", headers=gw.as_(keys.admin)).status_code == 200
    assert gw.get("/v1/admin/api-keys", key=keys.admin).json()["total"] == 3
    everything = gw.get("/v1/admin/api-keys", key=keys.admin, include_revoked="true").json()["items"]
    assert [k["revoked"] for k in everything if k["key_id"] == victim["key_id"]] == [True]


def test_tenants(gw: Gateway) -> None:
    r = gw.post("/v1/admin/tenants", {"tenant_id": "acme", "name": "Again"})
    assert r.status_code == 409 and named(r.json(), "tenant_id")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"tenant_id": "UPPER", "name": "x"}, "tenant_id"), ({"tenant_id": "ok"}, "name"),
        ({"tenant_id": "ok", "name": "  "}, "name"), ({"tenant_id": "x" * 65, "name": "x"}, "tenant_id")]
    for body, field in cases:
        r = gw.post("/v1/admin/tenants", body)
        assert r.status_code == 422 and named(r.json(), field), (body, r.text)


def test_a_tenant_admin_cannot_reach_another_tenant(gw: Gateway, keys: Keys) -> None:
    assert gw.post("/v1/admin/tenants", {"tenant_id": "other", "name": "Other"}).status_code == 201
    gw.team("red", "other")
    gw.rep("otto", "red", "other")
    theirs = gw.post("/v1/admin/api-keys", {"role": "admin", "tenant_id": "other"}).json()
    for path in ("/v1/admin/teams", "/v1/admin/reps", "/v1/admin/api-keys", "/v1/admin/users"):
        r = gw.get(path, key=keys.admin, tenant_id="other")
        assert r.status_code == 404, path
        assert "otto" not in r.text and "red" not in r.text
    r = gw.post("/v1/admin/api-keys", {"role": "admin", "tenant_id": "other"}, key=keys.admin)
    assert r.status_code == 404 and named(r.json(), "tenant_id")
    assert gw.get(f"/v1/admin/api-keys/{theirs['key_id']}", key=keys.admin).status_code == 404
    assert gw.client.delete(f"/v1/admin/api-keys/{theirs['key_id']}", headers=gw.as_(keys.admin)).status_code == 404
    assert gw.get("/v1/admin/reps/otto", key=keys.admin).status_code == 404
    assert gw.get("/v1/me", key=theirs["key"]).json()["tenant_id"] == "other"  # still alive
    assert "otto" not in gw.get("/v1/admin/reps", key=keys.admin).text
    assert gw.get("/v1/admin/reps", key=theirs["key"]).json()["items"][0]["rep_id"] == "otto"


def test_platform_admin_needs_an_existing_tenant(gw: Gateway) -> None:
    r = gw.post("/v1/admin/teams", {"team_id": "t", "name": "T", "tenant_id": "nowhere"})
    assert r.status_code == 404 and named(r.json(), "tenant_id")


def test_own_tenant_is_recorded_on_first_write(gw: Gateway) -> None:
    gw.team("sales")  # the bootstrap token's tenant, demo
    ids = [t["tenant_id"] for t in gw.get("/v1/admin/tenants").json()["items"]]
    assert ids == ["acme", "demo"]


def test_teams_and_reps_are_upserted(gw: Gateway, keys: Keys) -> None:
    r = gw.post("/v1/admin/teams", {"team_id": "north", "name": "North"}, key=keys.admin)
    assert r.status_code == 201
    r = gw.post("/v1/admin/teams", {"team_id": "north", "name": "North East"}, key=keys.admin)
    assert r.status_code == 200 and r.json()["name"] == "North East"
    r = gw.post("/v1/admin/reps", {"rep_id": "dee", "name": "Dee", "team_id": "north"}, key=keys.admin)
    assert r.status_code == 201 and r.json()["tenant_id"] == "acme"
    r = gw.post("/v1/admin/reps", {"rep_id": "dee", "name": "Dee", "team_id": "south"}, key=keys.admin)
    assert r.status_code == 422 and named(r.json(), "team_id")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"rep_id": "x", "name": "X"}, "team_id"), ({"rep_id": "", "name": "X", "team_id": "east"}, "rep_id"),
        ({"name": "X", "team_id": "east"}, "rep_id")]
    for body, field in cases:
        r = gw.post("/v1/admin/reps", body, key=keys.admin)
        assert r.status_code == 422 and named(r.json(), field), (body, r.text)
    assert gw.get("/v1/admin/reps", key=keys.admin, team_id="east").json()["total"] == 2
    assert gw.get("/v1/admin/reps/dee", key=keys.admin).json()["team_id"] == "north"
    teams = gw.get("/v1/admin/teams", key=keys.admin).json()["items"]
    assert [t["team_id"] for t in teams] == ["east", "north", "west"]


def test_a_rep_change_stages_directory_rep_upserted(gw: Gateway, keys: Keys) -> None:
    def staged() -> list[dict[str, Any]]:
        with gw.app.state.session_factory() as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.tenant_id == "acme")
                                   .order_by(OutboxRow.seq)).all()
        return [opened(r.payload) for r in rows]

    before = len(staged())
    assert before == 3  # ann, bob, cy of the fixture
    gw.post("/v1/admin/reps", {"rep_id": "ann", "name": "Rep ann", "team_id": "east"}, key=keys.admin)
    assert len(staged()) == before  # nothing changed: nothing published
    gw.post("/v1/admin/reps", {"rep_id": "ann", "name": "Ann Smith", "team_id": "west"}, key=keys.admin)
    last = staged()[-1]
    assert last["type"] == "rapport.directory.rep.upserted" and last["tenantid"] == "acme"
    assert last["data"] == {"rep_id": "ann", "name": "Ann Smith", "team_id": "west"}
    with gw.app.state.session_factory() as session:
        row = session.scalars(select(OutboxRow).order_by(OutboxRow.seq.desc())).first()
    assert row is not None and row.topic == "rapport.directory.v1" and row.key == "acme:ann"


def test_users(gw: Gateway, keys: Keys) -> None:
    r = gw.post("/v1/admin/users", {"user_id": "u1", "name": "Una", "email": "una@acme.test"}, key=keys.admin)
    assert r.status_code == 201
    r = gw.post("/v1/admin/users", {"user_id": "u2", "name": "Bad", "email": "not-an-email"}, key=keys.admin)
    assert r.status_code == 422 and named(r.json(), "email")
    made = gw.post("/v1/admin/api-keys", {"role": "admin", "user_id": "u1"}, key=keys.admin)
    assert made.status_code == 201 and made.json()["user_id"] == "u1"
    assert [u["user_id"] for u in gw.get("/v1/admin/users", key=keys.admin).json()["items"]] == ["u1"]


def test_a_manager_key_with_several_teams(gw: Gateway) -> None:
    secret = gw.key("manager", tenant_id="acme", team_ids=["east", "west", "east"])
    me = gw.get("/v1/me", key=secret).json()
    assert me["team_ids"] == ["east", "west"]
    assert gw.get("/v1/reps/cy/score", key=secret).status_code == 200
