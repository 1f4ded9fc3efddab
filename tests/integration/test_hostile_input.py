"""Hostile input through the gateway of the real stack (PostgreSQL): the cases schemathesis once
turned into 500s answer a 422 naming the field (rapportkit/params.py, rapportkit/nul.py)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest

pytestmark = pytest.mark.integration

PAGED = ["/v1/accounts", "/v1/admin/tenants", "/v1/admin/users", "/v1/admin/teams", "/v1/admin/reps",
         "/v1/admin/api-keys", "/v1/privacy/erasure", "/v1/signals", "/v1/content", "/v1/reps/rep-1/conversations",
         "/v1/imports/job-1"]
PATH_IDS = [("/v1/accounts/{}", "account_id"), ("/v1/accounts/{}/recommendation", "account_id"),
            ("/v1/content/{}", "content_id"), ("/v1/reps/{}/network", "rep_id"),
            ("/v1/reps/{}/conversations", "rep_id"), ("/v1/reps/{}/score", "rep_id"),
            ("/v1/reps/{}/engagement-given", "rep_id"), ("/v1/admin/reps/{}", "rep_id"),
            ("/v1/admin/api-keys/{}", "key_id"), ("/v1/privacy/erasure/{}", "request_id"),
            ("/v1/imports/{}", "job_id")]


def refused(response: httpx.Response, loc: list[Any]) -> None:
    assert response.status_code == 422, (response.request.url, response.text)
    error = response.json()["error"]
    assert error["details"][0]["loc"] == loc, error


@pytest.mark.parametrize("path", PAGED)
def test_an_offset_beyond_64_bits_is_422_naming_it(client: httpx.Client, path: str) -> None:
    refused(client.get(path, params={"offset": 2**64}), ["query", "offset"])


@pytest.mark.parametrize(("template", "name"), PATH_IDS)
@pytest.mark.parametrize("bad", ["a\x00b", "tab\tid", "bell\x07", "c1\x85"])
def test_control_characters_in_a_path_id_are_422_naming_it(client: httpx.Client, template: str, name: str,
                                                            bad: str) -> None:
    refused(client.get(template.format(quote(bad, safe=""))), ["path", name])


def test_a_nul_in_a_query_or_a_body_is_422_naming_the_field(client: httpx.Client) -> None:
    refused(client.get("/v1/content", params={"topic": "a\x00b"}), ["query", "topic"])
    refused(client.get("/v1/admin/reps", params={"team_id": "\x00"}), ["query", "team_id"])
    refused(client.post("/v1/admin/teams", json={"team_id": f"t-{uuid.uuid4().hex[:6]}", "name": "a\x00"}),
            ["name"])
    note = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": "rapport.insight.note.recorded",
            "time": "2026-11-20T10:00:00Z", "tenantid": "demo",
            "data": {"rep_id": "rep-1", "account_id": "acc-1", "text": "x\x00y"}}
    refused(client.post("/v1/events", json=[note]), [0, "data", "text"])


def test_numbers_beyond_what_the_stores_hold_are_422_naming_them(client: httpx.Client) -> None:
    account = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests",
               "type": "rapport.insight.account.upserted", "time": "2026-11-20T10:00:00Z", "tenantid": "demo",
               "data": {"account_id": f"acc-{uuid.uuid4().hex[:6]}", "name": "Big", "tier": "key",
                        "industry": "x", "employees": 3_000_000_000}}
    refused(client.post("/v1/events", json=account), [0, "data", "employees"])


def test_odd_header_values_are_not_a_500(client: httpx.Client) -> None:
    answer = client.get("/v1/accounts", headers={b"x-request-id": "été".encode()})
    assert answer.status_code == 200 and answer.headers["x-request-id"] != "été"
    refused(client.put("/v1/settings/scoring", content=b"{}",
                       headers={b"content-type": "application/json; charset=\xe9".encode("latin-1")}),
            ["header", "content-type"])
