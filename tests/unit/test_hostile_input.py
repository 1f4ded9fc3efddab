"""Malformed input never becomes a 500 in any process (rapportkit/web.py, rapportkit/nul.py): a NUL
in a query or a JSON body is a 422 naming the field, an odd X-Request-ID is replaced, and a value
the database refuses is the caller's 422."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy.exc import DataError

from rapportkit import jsonutil
from rapportkit.nul import find_nul, nul_in_body, nul_in_query
from rapportkit.web import create_app

with warnings.catch_warnings():  # starlette's test client prefers httpx2; httpx is what the project has
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

app = create_app(service="hostile-test", title="hostile input test")


class Team(BaseModel):
    name: str
    tags: list[str] = []


@app.get("/search")
def search(topic: str | None = None) -> dict[str, Any]:
    return {"topic": topic}


@app.post("/teams")
def create_team(body: Team) -> dict[str, Any]:
    return body.model_dump()


@app.get("/overflow")
def overflow() -> None:
    raise DataError("SELECT ...", {}, ValueError("integer out of range"))


client = TestClient(app, raise_server_exceptions=False)


def details(response: Any) -> list[Any]:
    assert response.status_code == 422, response.text
    return [d["loc"] for d in response.json()["error"]["details"]]


def test_find_nul_names_the_first_place() -> None:
    assert find_nul({"a": ["ok", {"b": "x\x00"}]}) == ["a", 1, "b"]
    assert find_nul({"k\x00": 1}) == ["k\x00"]
    assert find_nul({"a": "no nul", "n": 2**70, "f": 1.5, "z": None}) is None


def test_a_nul_in_the_query_is_422_naming_the_parameter() -> None:
    assert details(client.get("/search?topic=a%00b")) == [["query", "topic"]]
    assert nul_in_query(b"topic=ai&x=%00") == ["query", "x"]
    assert nul_in_query(b"topic=%2500") is None  # an escaped percent sign, not a NUL


def test_a_nul_in_a_json_body_is_422_naming_the_field() -> None:
    body = jsonutil.dumps({"name": "ok", "tags": ["a", "b\x00"]})
    response = client.post("/teams", content=body, headers={"content-type": "application/json"})
    assert details(response) == [["tags", 1]]
    assert "NUL" in response.json()["error"]["message"]


def test_a_backslash_followed_by_u0000_is_text_not_a_nul() -> None:
    body = jsonutil.dumps({"name": "C:\\u0000dir"})  # the characters backslash, u, 0, 0, 0, 0
    assert b"\\\\u0000" in body and nul_in_body(body) is None
    response = client.post("/teams", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["name"] == "C:\\u0000dir"


def test_a_body_that_is_not_json_is_left_to_the_route() -> None:
    response = client.post("/teams", content=b'{"name": "\\u0000', headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("given", ["été", "a b", "x" * 201, "a\tb"])
def test_an_odd_request_id_is_replaced(given: str) -> None:
    response = client.get("/search", headers={"x-request-id": given.encode("utf-8")})
    assert response.status_code == 200
    assert response.headers["x-request-id"] != given and len(response.headers["x-request-id"]) == 32


def test_a_plain_request_id_is_kept() -> None:
    assert client.get("/search", headers={"x-request-id": "abc-123.x:y"}).headers["x-request-id"] == "abc-123.x:y"


def test_a_value_the_database_refuses_is_the_callers_422() -> None:
    response = client.get("/overflow")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_value" and "integer out of range" in error["message"]
