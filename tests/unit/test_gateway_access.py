"""The gateway's identity and access, in process: the real routes, access rules, limits and admin
API over an SQLite gateway database, with the services replaced by a fake that records what the
gateway forwards (path, query, identity) and answers canned JSON. The gateway decides roles only;
what a reader sees of the reps is the services' (rapportkit.access, tests/unit/test_access.py), from
the identity tested here."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from gateway import access, admin, events, limits, privacy, tenant_deletion
from gateway.auth import KEYS, authenticate
from gateway.routes import ROUTERS
from rapportkit import jsonutil
from rapportkit.db import make_engine, make_session_factory
from rapportkit.identity import Identity
from rapportkit.migrate import upgrade
from rapportkit.web import create_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "gateway" / "migrations"
BOOT = "boot-" + "b" * 27


@dataclass
class Forwarded:
    service: str
    path: str
    query: list[tuple[str, str]]
    identity: Identity


@dataclass
class FakeUpstreams:
    """Records forwarded requests; answers `answers[path]` (200 JSON) or `{"path": ...}`."""

    answers: dict[str, Any] = field(default_factory=dict)
    calls: list[Forwarded] = field(default_factory=list)

    async def forward(self, service: str, request: Request, identity: Identity) -> Response:
        self.calls.append(Forwarded(service, request.url.path, request.query_params.multi_items(), identity))
        body = self.answers.get(request.url.path, {"path": request.url.path})
        return Response(jsonutil.dumps(body), media_type="application/json")

    async def call(self, service: str, method: str, path: str, identity: Identity, *, params: Any = None,
                   content: bytes | None = None, content_type: str = "application/json",
                   headers: dict[str, str] | None = None) -> httpx.Response:
        self.calls.append(Forwarded(service, path, [], identity))
        n = len(jsonutil.loads(content or b"[]"))
        return httpx.Response(202, json={"accepted": n, "duplicates": 0})

    def last_query(self) -> dict[str, str]:
        return dict(self.calls[-1].query)


@dataclass
class Gateway:
    client: TestClient
    app: FastAPI
    upstreams: FakeUpstreams

    def as_(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @property
    def boot(self) -> dict[str, str]:
        return self.as_(BOOT)

    def post(self, path: str, body: Any, key: str = BOOT) -> httpx.Response:
        response: httpx.Response = self.client.post(path, json=body, headers=self.as_(key))
        return response

    def get(self, path: str, key: str = BOOT, **params: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(path, params=params, headers=self.as_(key))
        return response

    def team(self, team_id: str, tenant_id: str | None = None) -> None:
        body = {"team_id": team_id, "name": f"Team {team_id}", **({"tenant_id": tenant_id} if tenant_id else {})}
        assert self.post("/v1/admin/teams", body).status_code in (200, 201)

    def rep(self, rep_id: str, team_id: str, tenant_id: str | None = None) -> None:
        body = {"rep_id": rep_id, "name": f"Rep {rep_id}", "team_id": team_id,
                **({"tenant_id": tenant_id} if tenant_id else {})}
        r = self.post("/v1/admin/reps", body)
        assert r.status_code in (200, 201), r.text

    def key(self, role: str, by: str = BOOT, **fields: Any) -> str:
        r = self.post("/v1/admin/api-keys", {"role": role, **fields}, key=by)
        assert r.status_code == 201, r.text
        secret: str = r.json()["key"]
        return secret


def make_gateway(tmp_path: Path, *, per_minute: int = 0, max_body_bytes: int = 1_000_000,
                 max_upload_bytes: int = 5_000_000, max_batch: int = 1000) -> Gateway:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(script_location=MIGRATIONS, url=url, service="gateway")
    app = create_app(service="gateway", title="Rapport API (test)")
    app.include_router(events.router)
    app.include_router(admin.router)
    app.include_router(tenant_deletion.router)
    app.include_router(privacy.router)
    for router in ROUTERS:
        app.include_router(router)
    limits.install(app, max_body_bytes=max_body_bytes,
                   settings=limits.LimitSettings(rate_limit_per_minute=per_minute, max_upload_bytes=max_upload_bytes))
    upstreams = FakeUpstreams()
    app.state.settings = SimpleNamespace(bootstrap_token=BOOT, max_body_bytes=max_body_bytes, max_batch=max_batch)
    app.state.session_factory = make_session_factory(make_engine(url))
    app.state.upstreams = upstreams
    return Gateway(TestClient(app), app, upstreams)


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[Gateway]:
    gateway = make_gateway(tmp_path)
    # a tenant `acme` with two teams, three reps, and an admin key of its own
    assert gateway.post("/v1/admin/tenants", {"tenant_id": "acme", "name": "Acme"}).status_code == 201
    for team in ("east", "west"):
        gateway.team(team, "acme")
    for rep, team in (("ann", "east"), ("bob", "east"), ("cy", "west")):
        gateway.rep(rep, team, "acme")
    yield gateway
    gateway.client.close()


@dataclass
class Keys:
    admin: str
    manager: str
    rep: str
    ingest: str


@pytest.fixture
def keys(gw: Gateway) -> Keys:
    return Keys(admin=gw.key("admin", tenant_id="acme"), manager=gw.key("manager", tenant_id="acme", team_ids=["east"]),
                rep=gw.key("rep", tenant_id="acme", rep_id="ann"), ingest=gw.key("ingest", tenant_id="acme"))


def event(tenant: str = "acme", rep: str = "ann") -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"e-{rep}", "source": "t", "type": "rapport.insight.profile.viewed",
            "time": "2026-11-20T10:00:00Z", "tenantid": tenant,
            "data": {"rep_id": rep, "person": {"profile_url": "https://linkedin.com/in/x"}}}


# --- every route is behind the gate and has a rule -------------------------------------------------


def depends_on(dependant: Dependant, call: Any) -> bool:
    return any(d.call is call or depends_on(d, call) for d in dependant.dependencies)


def gateway_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FastAPI:
    """The real `gateway.main:app` (imported, not started)."""
    monkeypatch.setenv("RAPPORT_INTERNAL_SECRET", "s" * 32)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    app: FastAPI = importlib.import_module("gateway.main").app
    return app


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """(path as served, route) of every API route, through included routers."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            found.append((context.path_format or route.path_format, route))
    return found


def test_every_public_route_authenticates_and_has_an_access_rule(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    routes = [(path, route) for path, route in api_routes(gateway_app(monkeypatch, tmp_path))
              if path.startswith("/v1/")]
    assert len(routes) > 20
    unguarded = [path for path, route in routes if not depends_on(route.dependant, authenticate)]
    assert not unguarded, f"routes without CallerDep: {unguarded}"
    no_rule = [f"{m} {path}" for path, route in routes for m in route.methods or ()
               if access.rule_for(m, path) is None]
    assert not no_rule, f"routes without an access rule in gateway/access.py: {no_rule}"


def test_every_rule_names_a_route(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    served = {(m, path) for path, route in api_routes(gateway_app(monkeypatch, tmp_path)) for m in route.methods or ()}
    stale = sorted(set(access.RULES) - served)
    assert not stale, f"rules for routes that do not exist: {stale}"


def test_the_real_app_registers_the_limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app = gateway_app(monkeypatch, tmp_path)
    assert isinstance(app.state.rate_limiter, limits.RateLimiter)
    registered = {m.cls for m in app.user_middleware}
    assert {limits.BodyLimit} <= registered


# --- authentication ---------------------------------------------------------------------------------


def test_no_key_or_another_scheme_is_401(gw: Gateway) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        r = gw.client.get("/v1/reps/ann/score", headers=headers)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "unauthorized"
    assert gw.upstreams.calls == []


def test_unknown_key_is_401(gw: Gateway) -> None:
    assert gw.get("/v1/me", key="rp_not-a-key").status_code == 401
    assert gw.get("/v1/me", key=BOOT + "x").status_code == 401


def test_bootstrap_token_is_the_platform_admin_of_demo(gw: Gateway) -> None:
    me = gw.get("/v1/me").json()
    assert (me["tenant_id"], me["role"], me["platform_admin"], me["key_id"]) == ("demo", "admin", True, "bootstrap")


def test_a_key_is_its_tenant_and_role(gw: Gateway, keys: Keys) -> None:
    me = gw.get("/v1/me", key=keys.manager).json()
    assert (me["tenant_id"], me["role"], me["team_ids"], me["platform_admin"]) == ("acme", "manager", ["east"], False)
    assert [t["team_id"] for t in me["teams"]] == ["east"]
    me = gw.get("/v1/me", key=keys.rep).json()
    assert (me["role"], me["rep_id"], me["rep"]["team_id"]) == ("rep", "ann", "east")
    assert gw.get("/v1/me", key=keys.ingest).json()["role"] == "ingest"
    gw.get("/v1/reps/ann/score", key=keys.rep)
    forwarded = gw.upstreams.calls[-1].identity
    assert forwarded == Identity(tenant_id="acme", role="rep", rep_id="ann", key_id=forwarded.key_id)
    assert forwarded.key_id and forwarded.key_id.startswith("key_")


def test_revoked_key_is_401_at_once(gw: Gateway, keys: Keys) -> None:
    assert gw.get("/v1/me", key=keys.rep).status_code == 200  # now cached
    key_id = gw.get("/v1/me", key=keys.rep).json()["key_id"]
    r = gw.client.delete(f"/v1/admin/api-keys/{key_id}", headers=gw.as_(keys.admin))
    assert r.status_code == 200 and r.json()["revoked"] is True
    r = gw.get("/v1/me", key=keys.rep)
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]
    KEYS.forget(key_id)  # and from the database, not only the cache
    assert gw.get("/v1/me", key=keys.rep).status_code == 401


def test_last_used_is_recorded(gw: Gateway, keys: Keys) -> None:
    key_id = gw.get("/v1/me", key=keys.ingest).json()["key_id"]
    listed = gw.get(f"/v1/admin/api-keys/{key_id}", key=keys.admin).json()
    assert listed["last_used_at"] is not None


# --- authorization: roles ---------------------------------------------------------------------------


def test_ingest_key_writes_events_and_reads_nothing(gw: Gateway, keys: Keys) -> None:
    r = gw.post("/v1/events", [event()], key=keys.ingest)
    assert r.status_code == 202, r.text
    for path in ("/v1/reps/ann/score", "/v1/leaderboard", "/v1/accounts", "/v1/content", "/v1/reports/outcomes",
                 "/v1/reps/ann/network", "/v1/settings/scoring", "/v1/admin/api-keys"):
        r = gw.get(path, key=keys.ingest)
        assert r.status_code == 403, path
        assert r.json()["error"]["code"] == "forbidden"
    assert [c.path for c in gw.upstreams.calls] == ["/internal/events"]


def test_only_admin_and_ingest_post_events(gw: Gateway, keys: Keys) -> None:
    assert gw.post("/v1/events", [event()], key=keys.admin).status_code == 202
    assert gw.post("/v1/events", [event()], key=keys.manager).status_code == 403
    assert gw.post("/v1/events", [event()], key=keys.rep).status_code == 403


def test_events_of_another_tenant_are_403(gw: Gateway, keys: Keys) -> None:
    r = gw.post("/v1/events", [event(tenant="other")], key=keys.ingest)
    assert r.status_code == 403
    assert r.json()["error"]["details"][0]["loc"] == [0, "tenantid"]


def test_reads_are_forwarded_unchanged_with_the_callers_reach(gw: Gateway, keys: Keys) -> None:
    """The gateway does not decide which rep a reader may see: it forwards the request as it came
    (the service answers 403 for a rep out of reach) with the reach in the signed identity."""
    for key in (keys.rep, keys.manager, keys.admin):
        r = gw.get("/v1/reps/cy/score", key=key)
        assert r.status_code == 200 and gw.upstreams.calls[-1].path == "/v1/reps/cy/score"
    r = gw.get("/v1/content", key=keys.rep, rep_id="bob", limit=3)
    assert r.status_code == 200 and gw.upstreams.last_query() == {"rep_id": "bob", "limit": "3"}
    assert gw.get("/v1/leaderboard", key=keys.manager, team_id="west").status_code == 200
    assert gw.upstreams.last_query() == {"team_id": "west"}


def test_the_manager_identity_carries_the_reps_of_its_teams(gw: Gateway, keys: Keys) -> None:
    gw.get("/v1/leaderboard", key=keys.manager)
    who = gw.upstreams.calls[-1].identity
    assert (who.role, who.team_ids, who.rep_ids) == ("manager", ("east",), ("ann", "bob"))
    gw.get("/v1/leaderboard", key=keys.rep)
    assert gw.upstreams.calls[-1].identity.rep_ids == ()  # a rep's reach is its rep_id
    gw.get("/v1/leaderboard", key=keys.admin)
    assert gw.upstreams.calls[-1].identity.rep_ids == ()  # an admin's is the tenant


def test_a_rep_moved_into_a_managers_team_is_in_its_reach_at_once(gw: Gateway, keys: Keys) -> None:
    gw.get("/v1/reps/cy/score", key=keys.manager)
    assert "cy" not in gw.upstreams.calls[-1].identity.rep_ids
    gw.rep("cy", "east", "acme")
    gw.get("/v1/reps/cy/score", key=keys.manager)
    assert gw.upstreams.calls[-1].identity.rep_ids == ("ann", "bob", "cy")


def test_settings_are_read_by_readers_and_changed_by_admins(gw: Gateway, keys: Keys) -> None:
    for key in (keys.admin, keys.manager, keys.rep):
        assert gw.get("/v1/settings/scoring", key=key).status_code == 200
    r = gw.client.put("/v1/settings/scoring", json={"window_days": 30}, headers=gw.as_(keys.manager))
    assert r.status_code == 403
    r = gw.client.put("/v1/settings/scoring", json={"window_days": 30}, headers=gw.as_(keys.admin))
    assert r.status_code == 200


def test_evidence_is_for_admins_and_managers(gw: Gateway, keys: Keys) -> None:
    assert gw.get("/v1/reports/evidence", key=keys.manager).status_code == 200
    assert gw.get("/v1/reports/evidence", key=keys.rep).status_code == 403


def test_directory_and_keys_are_for_admins(gw: Gateway, keys: Keys) -> None:
    for key in (keys.manager, keys.rep, keys.ingest):
        assert gw.get("/v1/admin/api-keys", key=key).status_code == 403
        assert gw.post("/v1/admin/api-keys", {"role": "admin"}, key=key).status_code == 403
        assert gw.post("/v1/admin/teams", {"team_id": "x", "name": "X"}, key=key).status_code == 403


def test_erasures_are_for_admins(gw: Gateway, keys: Keys) -> None:
    person = {"person": {"email": "grace@navy.example"}}
    for key in (keys.manager, keys.rep, keys.ingest):
        assert gw.post("/v1/privacy/erasure", person, key=key).status_code == 403
        assert gw.post("/v1/privacy/erasure", {}, key=key).status_code == 403  # the role before the body
        assert gw.get("/v1/privacy/erasure", key=key).status_code == 403
        assert gw.get("/v1/privacy/erasure/er-1", key=key).status_code == 403
    assert gw.get("/v1/privacy/erasure/er-1", key=keys.admin).status_code == 404


def test_tenants_are_for_the_platform_admin(gw: Gateway, keys: Keys) -> None:
    r = gw.post("/v1/admin/tenants", {"tenant_id": "mine", "name": "Mine"}, key=keys.admin)
    assert r.status_code == 403 and "platform admin" in r.json()["error"]["message"]
    assert gw.get("/v1/admin/tenants", key=keys.admin).status_code == 403
    assert gw.client.delete("/v1/admin/tenants/acme", headers=gw.as_(keys.admin)).status_code == 403
    assert gw.get("/v1/privacy/tenant-deletions/td-1", key=keys.admin).status_code == 403
    assert [t["tenant_id"] for t in gw.get("/v1/admin/tenants").json()["items"]] == ["acme"]


# --- answers pass through ----------------------------------------------------------------------------


def test_a_bad_leaderboard_limit_is_422_before_anything_is_forwarded(gw: Gateway, keys: Keys) -> None:
    for limit in ("0", "1001", "many"):
        r = gw.get("/v1/leaderboard", key=keys.rep, limit=limit)
        assert r.status_code == 422 and r.json()["error"]["details"][0]["loc"] == ["query", "limit"], r.text
    assert gw.upstreams.calls == []


def test_answers_pass_through_untouched(gw: Gateway, keys: Keys) -> None:
    board = {"date": "2026-11-20", "team_id": None, "window_days": 30, "total_reps": 1,
             "reps": [{"rep_id": "ann", "name": "Ann", "team_id": "east", "total": 60, "rank": 4}]}
    gw.upstreams.answers["/v1/leaderboard"] = board
    for key in (keys.rep, keys.manager, keys.admin):
        assert gw.get("/v1/leaderboard", key=key, limit=3).json() == board
        assert gw.upstreams.last_query() == {"limit": "3"}
