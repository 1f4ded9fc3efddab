"""Text no store can hold: the NUL character (U+0000), refused at the edge with a 422 naming the field.

PostgreSQL cannot store U+0000 in `text` or `jsonb`; a NUL in a query parameter or a JSON body once
reached a statement and answered 500 (on SQLite it would be stored, and the same request would
behave differently on the two databases). So no request may carry one:

- `RefuseNul`, installed by `rapportkit.web.create_app` in every process, checks the query string
  (`["query", <name>]`) and JSON bodies (`[<field>, ...]`, the loc convention of the error shape)
  before routing. A body is parsed again only when a cheap scan of its bytes finds the escape
  `\\u0000` (the only way JSON can hold a NUL), so ordinary requests pay one regex search.
- `find_nul` is the rule itself, used by `RefuseNul` and by the gateway's event checks
  (gateway/events.py), which also see events built from uploaded files.
Path ids are refused by their own pattern (rapportkit/params.py), which names the field.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rapportkit import jsonutil
from rapportkit.errors import error_body

NUL = "\x00"
# `\u0000` preceded by an even number of backslashes (an odd number escapes the backslash itself)
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
Loc = list[str | int]


def find_nul(value: Any, loc: Loc | None = None) -> Loc | None:
    """The location of the first NUL in a JSON value (in a string or an object key), else None."""
    here = loc or []
    if isinstance(value, str):
        return here if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                return [*here, str(key)]
            found = find_nul(item, [*here, str(key)])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = find_nul(item, [*here, index])
            if found is not None:
                return found
    return None


def nul_in_query(query_string: bytes) -> Loc | None:
    if b"%00" not in query_string and b"\x00" not in query_string:
        return None
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if NUL in name or NUL in value:
            return ["query", name.replace(NUL, "\\u0000")]
    return None


def nul_in_body(body: bytes) -> Loc | None:
    # a substring search first (it runs in C over the whole body; the regex steps through every
    # byte, 11 % of the gateway's time on event batches in `make bench`)
    if b"\\u0000" not in body or not _ESCAPED_NUL.search(body):
        return None
    try:
        return find_nul(jsonutil.loads(body))
    except ValueError:
        return None  # not JSON: the route answers that itself


MSG = "must not contain the NUL character (U+0000)"


async def refuse(send: Send, loc: Loc) -> None:
    body = jsonutil.dumps(error_body("validation_error", f"{'.'.join(map(str, loc))}: {MSG}",
                                     [{"loc": loc, "msg": MSG}]))
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RefuseNul:
    """ASGI middleware: 422 for a NUL in the query string or in a JSON body (multipart uploads are
    left to their routes, which turn files into events checked with `find_nul`)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loc = nul_in_query(scope.get("query_string", b""))
        if loc is not None:
            await refuse(send, loc)
            return
        headers = dict(scope.get("headers", []))
        if scope["method"] not in ("POST", "PUT", "PATCH") or headers.get(b"content-type", b"").lower().startswith(
                b"multipart/"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:  # the body is bounded before this (the gateway's body limit runs first)
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        loc = nul_in_body(b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request"))
        if loc is not None:
            await refuse(send, loc)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
