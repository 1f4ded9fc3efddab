"""The content service's HTTP surface in process (SQLite, no broker): ingest at /internal/events,
the reads with their parameters, errors and scoping by the caller's identity."""

from __future__ import annotations

import secrets
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import services.content
from rapportkit.catalog import EVENT_TYPES
from rapportkit.identity import HEADER, Identity, sign
from rapportkit.service import ServiceSpec, api_app
from rapportkit.settings import ServiceSettings
from services.content.api.routes import router
from services.content.ingest import INGEST_HANDLERS

with warnings.catch_warnings():  # starlette's test client prefers httpx2; httpx is what the project has
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

SECRET = secrets.token_hex(32)
ODD_ID = "https://example.com/feed/update/a:b/c"  # content ids from links carry slashes and colons


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('content') / 'content.db'}"
    settings = ServiceSettings(service="content", database_url=url, internal_secret=SECRET)
    spec = ServiceSpec(name="content", settings=settings, title="content (test)",
                       migrations=Path(services.content.__file__).parent / "migrations", routers=[router],
                       owned_types=frozenset(t for t, et in EVENT_TYPES.items() if et.domain == "content"),
                       ingest_handlers=INGEST_HANDLERS)
    with TestClient(api_app(spec)) as c:
        events = [
            event("content.item.published", {"content_id": ODD_ID, "kind": "article", "title": "Odd",
                                             "topics": ["ai"], "owner": "rep-1"}),
            event("content.item.shared", {"content_id": ODD_ID, "rep_id": "rep-1", "channel": "email"}),
            event("content.engagement.recorded", {"content_id": ODD_ID, "rep_id": "rep-1", "kind": "view",
                                                  "person": {"email": "x@y.z"}}),
            event("content.item.published", {"content_id": "c-2", "kind": "post", "title": "Two", "topics": [],
                                             "owner": "rep-2"}),
        ]
        response = c.post("/internal/events", json=events, headers=auth())
        assert response.status_code == 202, response.text
        assert response.json() == {"accepted": 4, "duplicates": 0}
        yield c


def event(type_: str, data: dict[str, Any], tenant: str = "demo") -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{type_}",
            "time": "2026-11-02T09:00:00Z", "tenantid": tenant, "data": data}


def auth(tenant: str = "demo", role: str = "admin", rep_id: str | None = None,
         rep_ids: tuple[str, ...] = ()) -> dict[str, str]:
    return {HEADER: sign(Identity(tenant_id=tenant, role=role, rep_id=rep_id, rep_ids=rep_ids), SECRET)}


def test_detail_of_an_id_with_slashes_and_colons(client: TestClient) -> None:
    from urllib.parse import quote

    response = client.get(f"/v1/content/{quote(ODD_ID, safe='')}", headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["content_id"] == ODD_ID and body["shares"]["by_channel"] == {"email": 1}
    assert body["engagement"]["by_kind"]["view"] == 1 and body["engaged"]["unknown_people"] == 1


def test_list_with_every_parameter(client: TestClient) -> None:
    params = {"rep_id": "rep-1", "topic": "AI", "kind": "article", "owner": "rep-1", "from": "2026-11-01",
              "to": "2026-11-30", "limit": 10, "offset": 0}
    body = client.get("/v1/content", params=params, headers=auth()).json()
    assert body["total"] == 1 and body["items"][0]["content_id"] == ODD_ID
    assert set(body) == {"items", "total", "limit", "offset", "weights"}


@pytest.mark.parametrize(("params", "loc"), [
    ({"from": "2026-11-30", "to": "2026-11-01"}, ["query", "from"]),
    ({"from": "yesterday"}, ["query", "from"]),
    ({"kind": "tweet"}, ["query", "kind"]),
    ({"limit": 0}, ["query", "limit"]),
    ({"rep_id": ""}, ["query", "rep_id"]),
])
def test_bad_parameters_are_422_naming_the_field(client: TestClient, params: dict[str, Any],
                                                  loc: list[str]) -> None:
    response = client.get("/v1/content", params=params, headers=auth())
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == loc


def test_unknown_item_and_other_tenant_are_404(client: TestClient) -> None:
    for headers in (auth(), auth(tenant="other")):
        response = client.get("/v1/content/c-404" if headers == auth() else "/v1/content/c-2", headers=headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/v1/content", headers=auth(tenant="other")).json()["total"] == 0


def test_identity_is_required_and_roles_scope_the_reads(client: TestClient) -> None:
    assert client.get("/v1/content").status_code == 401
    assert client.get("/v1/content", headers=auth(role="ingest")).status_code == 403
    rep2 = auth(role="rep", rep_id="rep-2")
    assert [i["content_id"] for i in client.get("/v1/content", headers=rep2).json()["items"]] == ["c-2"]
    assert client.get("/v1/content", params={"rep_id": "rep-1"}, headers=rep2).status_code == 403
    assert client.get("/v1/reps/rep-1/engagement-given", headers=rep2).status_code == 403
    assert client.get("/v1/reps/rep-2/engagement-given", headers=rep2).json()["total"] == 0


def test_a_manager_sees_the_per_rep_lines_of_its_reps_only(client: TestClient) -> None:
    from urllib.parse import quote

    url = f"/v1/content/{quote(ODD_ID, safe='')}"
    mine, others = auth(role="manager", rep_ids=("rep-1",)), auth(role="manager", rep_ids=("rep-2",))
    body = client.get(url, headers=mine).json()
    assert [r["rep_id"] for r in body["shares"]["by_rep"]] == ["rep-1"]
    assert [r["rep_id"] for r in body["engagement"]["by_rep"]] == ["rep-1"]
    body = client.get(url, headers=others).json()
    assert body["shares"]["by_rep"] == [] and body["engagement"]["by_rep"] == []
    assert (body["shares"]["total"], body["engagement"]["by_kind"]["view"]) == (1, 1)  # the item's totals stay
    r = client.get("/v1/content", params={"rep_id": "rep-1"}, headers=others)
    assert r.status_code == 403 and r.json()["error"]["details"][0]["loc"] == ["query", "rep_id"]
    assert client.get("/v1/content", params={"rep_id": "rep-1"}, headers=mine).json()["total"] == 1
    r = client.get("/v1/reps/rep-1/engagement-given", headers=others)
    assert r.status_code == 403 and r.json()["error"]["details"][0]["loc"] == ["path", "rep_id"]


def test_ingest_refuses_a_person_without_a_usable_key(client: TestClient) -> None:
    bad = event("content.engagement.recorded", {"content_id": "c-2", "rep_id": "rep-2", "kind": "like",
                                                "person": {"profile_url": " "}})
    response = client.post("/internal/events", json=[bad], headers=auth())
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["data", "person"]
