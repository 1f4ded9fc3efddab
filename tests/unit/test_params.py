"""The edge rules of rapportkit/params.py: path ids and paging are refused with a 422 naming the
field before any handler runs, and the OpenAPI publishes the constraints."""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import quote

import pytest

from rapportkit.pagination import PageDep
from rapportkit.params import MAX_OFFSET, LinkPathId, PathId
from rapportkit.web import create_app

with warnings.catch_warnings():  # starlette's test client prefers httpx2; httpx is what the project has
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

app = create_app(service="params-test", title="params test")


@app.get("/reps/{rep_id}/items")
def rep_items(rep_id: PathId, page: PageDep) -> dict[str, Any]:
    return {"rep_id": rep_id, "limit": page.limit, "offset": page.offset}


@app.get("/content/{content_id:path}")
def content(content_id: LinkPathId) -> dict[str, Any]:
    return {"content_id": content_id}


client = TestClient(app)


def refused(response: Any, loc: list[str]) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["loc"] for d in error["details"]] == [loc]


@pytest.mark.parametrize("rep_id", ["rep-1", "Ada Lovelace", "é ü 名", "a" * 200, "x:y@z", "%"])
def test_an_id_of_the_contract_passes(rep_id: str) -> None:
    response = client.get(f"/reps/{quote(rep_id, safe='')}/items")
    assert response.status_code == 200, response.text
    assert response.json()["rep_id"] == rep_id


@pytest.mark.parametrize("rep_id", ["a\x00b", "\x1f", "tab\there", "new\nline", "del\x7f", "c1\x85", "a" * 201])
def test_a_bad_path_id_is_422_naming_it(rep_id: str) -> None:
    refused(client.get(f"/reps/{quote(rep_id, safe='')}/items"), ["path", "rep_id"])


def test_a_link_id_keeps_its_slashes_but_not_control_characters() -> None:
    link = "https://example.com/feed/update/a:b/c"
    assert client.get(f"/content/{quote(link, safe='')}").json() == {"content_id": link}
    refused(client.get("/content/" + quote("https://x/\x00", safe="")), ["path", "content_id"])


@pytest.mark.parametrize(("query", "loc"), [
    ({"offset": 2**64}, ["query", "offset"]),
    ({"offset": MAX_OFFSET + 1}, ["query", "offset"]),
    ({"offset": -1}, ["query", "offset"]),
    ({"offset": "1e3"}, ["query", "offset"]),
    ({"limit": 0}, ["query", "limit"]),
    ({"limit": 501}, ["query", "limit"]),
    ({"limit": 2**70}, ["query", "limit"]),
])
def test_paging_out_of_bounds_is_422_naming_the_field(query: dict[str, Any], loc: list[str]) -> None:
    refused(client.get("/reps/rep-1/items", params=query), loc)


def test_paging_within_bounds() -> None:
    body = client.get("/reps/rep-1/items", params={"offset": MAX_OFFSET, "limit": 500}).json()
    assert body == {"rep_id": "rep-1", "limit": 500, "offset": MAX_OFFSET}
    assert client.get("/reps/rep-1/items").json() == {"rep_id": "rep-1", "limit": 50, "offset": 0}


def test_the_openapi_publishes_the_constraints() -> None:
    parameters = {p["name"]: p["schema"] for p in app.openapi()["paths"]["/reps/{rep_id}/items"]["get"]["parameters"]}
    assert parameters["rep_id"]["minLength"] == 1 and parameters["rep_id"]["maxLength"] == 200
    assert parameters["rep_id"]["pattern"] == r"^[^\x00-\x1f\x7f-\x9f/]+$"
    assert parameters["offset"]["maximum"] == MAX_OFFSET and parameters["offset"]["minimum"] == 0
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 500)
