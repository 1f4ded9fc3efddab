"""The CloudEvents HTTP protocol binding (1.0.2) of `POST /v1/events`: which content mode a request
uses, and the event(s) it carries as JSON-format dicts for `gateway.events.check_events`.

- structured: `Content-Type: application/cloudevents+json`, the body is one event;
- batch: `Content-Type: application/cloudevents-batch+json`, the body is an array of events (may be
  empty);
- binary (the default of several SDKs): attributes in `ce-<name>` headers (percent-encoded), the
  body is `data` and `Content-Type` its `datacontenttype`; chosen when any `ce-` header is present;
- otherwise the body is plain JSON, one event or an array (what the API accepted before the binding).

Each mode says where a field of its events is in the request (`Posted.locate`), so an error names
the header for a binary attribute (`["header", "ce-type"]`) and the index for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from rapportkit import jsonutil
from rapportkit.envelope import STRUCTURED_CONTENT_TYPE, Loc
from rapportkit.errors import ApiError

BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
CE_PREFIX = "ce-"
Locate = Callable[[int, Loc], Loc]
Mode = Literal["structured", "batch", "binary", "json"]


def in_body(index: int, loc: Loc) -> Loc:
    """Where a field of the index-th event of a JSON body is: `[index, *field path]`."""
    return [index, *loc]


def in_binary_message(index: int, loc: Loc) -> Loc:
    """Where a field of a binary-mode event is: `data` is the body, `datacontenttype` the
    `Content-Type` header, any other attribute its `ce-` header."""
    if not loc:
        return []
    name, rest = loc[0], loc[1:]
    if name == "data":
        return ["body", *rest]
    if name == "datacontenttype":
        return ["header", "content-type"]
    return ["header", f"{CE_PREFIX}{name}"]


@dataclass
class Posted:
    mode: Mode
    body: Any  # one event (a dict) or a list of them, as check_events takes them
    locate: Locate = in_body


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` → `application/json`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _json(raw: bytes, loc: Loc) -> Any:
    try:
        return jsonutil.loads(raw)
    except ValueError as exc:
        raise ApiError(422, "validation_error", f"body is not valid JSON: {exc}",
                       [{"loc": loc, "msg": "invalid JSON"}]) from exc


def _not(kind: str, mode: str) -> ApiError:
    return ApiError(422, "validation_error", f"the body of a {mode} request must be {kind}",
                    [{"loc": [], "msg": f"must be {kind}"}])


def binary_event(headers: Mapping[str, str], raw: bytes) -> dict[str, Any]:
    """The event of a binary-mode message: one attribute per `ce-` header (percent-decoded, section
    3.1.3.2), `datacontenttype` from `Content-Type` (its media type), and the body parsed as `data`."""
    event: dict[str, Any] = {}
    for name, value in headers.items():
        name = name.lower()
        if not name.startswith(CE_PREFIX):
            continue
        attribute = name[len(CE_PREFIX):]
        if attribute == "data":
            raise ApiError(422, "validation_error", "ce-data: in binary mode the data is the body",
                           [{"loc": ["header", name], "msg": "data is the body in binary mode"}])
        try:
            event[attribute] = unquote(value, errors="strict")
        except UnicodeDecodeError as exc:
            raise ApiError(422, "validation_error", f"{name}: not percent-encoded UTF-8",
                           [{"loc": ["header", name], "msg": "not percent-encoded UTF-8"}]) from exc
    content_type = media_type(headers.get("content-type"))
    if content_type:
        event["datacontenttype"] = content_type
    if raw.strip():  # data that is not JSON is kept as text, for validation to name what is wrong
        json_data = content_type in ("", "application/json")
        event["data"] = _json(raw, ["body"]) if json_data else raw.decode("utf-8", "replace")
    return event


def read_events(headers: Mapping[str, str], raw: bytes) -> Posted:
    """The content mode of a request and its event(s); 422 for a body its mode does not allow."""
    content_type = media_type(headers.get("content-type"))
    if content_type == STRUCTURED_CONTENT_TYPE:
        body = _json(raw, [])
        if not isinstance(body, dict):
            raise _not(f"one event (a JSON object); post an array as {BATCH_CONTENT_TYPE}", "structured-mode")
        return Posted("structured", body)
    if content_type == BATCH_CONTENT_TYPE:
        body = _json(raw, [])
        if not isinstance(body, list):
            raise _not("a JSON array of events", "batch-mode")
        return Posted("batch", body)
    if any(name.lower().startswith(CE_PREFIX) for name in headers):
        return Posted("binary", binary_event(headers, raw), in_binary_message)
    return Posted("json", _json(raw, []))
