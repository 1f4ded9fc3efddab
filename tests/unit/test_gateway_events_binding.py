"""The CloudEvents HTTP binding of `POST /v1/events`, in process (the real route, the services replaced
by a fake that keeps what the gateway forwards): which content mode a request is read in, what event
comes out of a binary-mode message, and that each mode's errors name the header, body field or index
at fault. Through the real stack with the SDK as the client: tests/integration/test_cloudevents_bindings.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudevents.core.bindings import http
from cloudevents.core.v1.event import CloudEvent

from rapportkit import jsonutil
from rapportkit.identity import Identity
from tests.unit.test_gateway_access import BOOT, FakeUpstreams, Gateway, make_gateway

BATCH = "application/cloudevents-batch+json"
STRUCTURED = "application/cloudevents+json"


@dataclass
class KeepingUpstreams(FakeUpstreams):
    """Also keeps the events the gateway forwards to the services."""

    forwarded: list[dict[str, Any]] = field(default_factory=list)

    async def call(self, service: str, method: str, path: str, identity: Identity, *, params: Any = None,
                   content: bytes | None = None, content_type: str = "application/json",
                   headers: dict[str, str] | None = None) -> httpx.Response:
        self.forwarded.extend(jsonutil.loads(content or b"[]"))
        return await super().call(service, method, path, identity, params=params, content=content,
                                  content_type=content_type, headers=headers)


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[Gateway]:
    gateway = make_gateway(tmp_path)
    gateway.upstreams = gateway.app.state.upstreams = KeepingUpstreams()
    yield gateway
    gateway.client.close()


def forwarded(gw: Gateway) -> list[dict[str, Any]]:
    upstreams = gw.upstreams
    assert isinstance(upstreams, KeepingUpstreams)
    return upstreams.forwarded


def attributes(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"e-{n}", "source": "crm/sync", "type": "rapport.insight.profile.viewed",
            "time": datetime(2026, 11, 20, 10, tzinfo=UTC), "tenantid": "demo", "datacontenttype": "application/json",
            **extra}


DATA = {"rep_id": "ann", "person": {"profile_url": "https://www.linkedin.com/in/ada"}}


def binary(**extra: Any) -> http.HTTPMessage:
    """A binary-mode message made by the official SDK."""
    return http.to_binary_event(CloudEvent(attributes(**extra), dict(DATA)))


def post(gw: Gateway, body: bytes, headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = gw.client.post("/v1/events", content=body,
                                              headers={**headers, "Authorization": f"Bearer {BOOT}"})
    return response


def error_locs(response: httpx.Response) -> list[Any]:
    return [d["loc"] for d in response.json()["error"]["details"]]


def test_binary_mode_attributes_come_from_the_headers_and_data_from_the_body(gw: Gateway) -> None:
    message = binary(subject="Zoë Smith: \"north\" 100%")
    assert message.headers["ce-subject"] == "Zo%C3%AB%20Smith:%20%22north%22%20100%25"  # percent-encoded
    response = post(gw, message.body, message.headers)
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert forwarded(gw) == [{
        "specversion": "1.0", "id": "e-1", "source": "crm/sync", "type": "rapport.insight.profile.viewed",
        "time": "2026-11-20T10:00:00Z", "tenantid": "demo", "datacontenttype": "application/json",
        "subject": "Zoë Smith: \"north\" 100%", "data": DATA}]


@pytest.mark.parametrize("content_type", [None, "application/json; charset=utf-8", "Application/JSON"])
def test_binary_mode_data_is_json_with_or_without_a_content_type(gw: Gateway, content_type: str | None) -> None:
    message = binary()
    headers = {k: v for k, v in message.headers.items() if k != "content-type"}
    if content_type:
        headers["Content-Type"] = content_type
    response = post(gw, message.body, headers)
    assert response.status_code == 202, response.text
    assert forwarded(gw)[0]["datacontenttype"] == "application/json"


@pytest.mark.parametrize(("change", "loc", "status"), [
    (lambda h: h.pop("ce-type"), ["header", "ce-type"], 422),
    (lambda h: h.pop("ce-id"), ["header", "ce-id"], 422),
    (lambda h: h.update({"ce-time": "yesterday"}), ["header", "ce-time"], 422),
    (lambda h: h.update({"ce-type": "rapport.scoring.score.updated"}), ["header", "ce-type"], 422),
    (lambda h: h.update({"ce-type": "rapport.insight.nope"}), ["header", "ce-type"], 422),
    (lambda h: h.update({"ce-specversion": "0.3"}), ["header", "ce-specversion"], 422),
    (lambda h: h.update({"ce-subject": "%FF"}), ["header", "ce-subject"], 422),
    (lambda h: h.update({"ce-data": "{}"}), ["header", "ce-data"], 422),
    (lambda h: h.update({"content-type": "text/plain"}), ["header", "content-type"], 422),
    (lambda h: h.update({"ce-tenantid": "other"}), ["header", "ce-tenantid"], 403),
])
def test_binary_mode_errors_name_the_header(gw: Gateway, change: Any, loc: list[str], status: int) -> None:
    message = binary()
    headers = dict(message.headers)
    change(headers)
    response = post(gw, message.body, headers)
    assert response.status_code == status, response.text
    assert loc in error_locs(response)
    assert forwarded(gw) == []


@pytest.mark.parametrize(("body", "loc"), [
    (b'{"rep_id": "ann"}', ["body", "person"]),
    (b"", ["body"]),
    (b"{nope", ["body"]),
    (b"[]", ["body"]),
])
def test_binary_mode_errors_in_the_data_name_the_body(gw: Gateway, body: bytes, loc: list[str]) -> None:
    response = post(gw, body, binary().headers)
    assert response.status_code == 422, response.text
    assert error_locs(response)[0] == loc


def test_structured_mode_is_one_event_and_batch_mode_an_array(gw: Gateway) -> None:
    one = http.to_structured_event(CloudEvent(attributes(1), dict(DATA)))
    assert one.headers == {"content-type": STRUCTURED}
    assert post(gw, one.body, one.headers).json() == {"accepted": 1, "duplicates": 0}
    batch = b"[" + b",".join(http.to_structured_event(CloudEvent(attributes(n), dict(DATA))).body
                             for n in (2, 3)) + b"]"
    assert post(gw, batch, {"Content-Type": BATCH}).json() == {"accepted": 2, "duplicates": 0}
    assert [e["id"] for e in forwarded(gw)] == ["e-1", "e-2", "e-3"]

    refused = post(gw, batch, {"Content-Type": STRUCTURED})
    assert refused.status_code == 422 and BATCH in refused.json()["error"]["message"]
    assert post(gw, one.body, {"Content-Type": f"{BATCH}; charset=utf-8"}).status_code == 422
    assert len(forwarded(gw)) == 3


def test_an_empty_batch_is_accepted_and_an_empty_plain_array_is_not(gw: Gateway) -> None:
    assert post(gw, b"[]", {"Content-Type": BATCH}).json() == {"accepted": 0, "duplicates": 0}
    assert post(gw, b"[]", {"Content-Type": "application/json"}).status_code == 422
    assert forwarded(gw) == []


def test_a_bad_item_of_a_batch_is_named_by_its_index(gw: Gateway) -> None:
    good = jsonutil.loads(http.to_structured_event(CloudEvent(attributes(1), dict(DATA))).body)
    bad = {**good, "id": "e-2", "data": {"person": DATA["person"]}}
    response = post(gw, jsonutil.dumps([good, bad]), {"Content-Type": BATCH})
    assert response.status_code == 422
    assert error_locs(response) == [[1, "data", "rep_id"]]
    assert response.json()["error"]["message"].startswith("[1].data.rep_id:")
    assert forwarded(gw) == []


@pytest.mark.parametrize("content_type", [STRUCTURED, BATCH, "application/json"])
def test_null_attributes_are_absent(gw: Gateway, content_type: str) -> None:
    """JSON event format 1.0.2 section 2.2: a null attribute is the same as an omitted one."""
    event = {**jsonutil.loads(http.to_structured_event(CloudEvent(attributes(), dict(DATA))).body),
             "subject": None, "dataschema": None, "traceparent": None, "comexampleext": None}
    body = jsonutil.dumps([event] if content_type == BATCH else event)
    response = post(gw, body, {"Content-Type": content_type})
    assert response.status_code == 202, response.text
    [sent] = forwarded(gw)
    assert not {"subject", "dataschema", "traceparent", "comexampleext"} & set(sent)
    assert None not in sent.values()


def test_a_null_required_attribute_is_a_missing_one(gw: Gateway) -> None:
    event = {**jsonutil.loads(http.to_structured_event(CloudEvent(attributes(), dict(DATA))).body), "source": None}
    response = post(gw, jsonutil.dumps(event), {"Content-Type": STRUCTURED})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"loc": [0, "source"], "msg": "field required"}]
