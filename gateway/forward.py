"""Declaring a forwarded route in one line, with its path and query parameters in the OpenAPI.

`forward(router, "scoring", "GET", "/v1/reps/{rep_id}/score", "A rep's score", date=date)` adds a
route whose endpoint passes the request unchanged to the owning service; the parameters are
declared so the gateway's OpenAPI documents (and validates) them.
"""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Any, get_args, get_origin

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.upstream import Upstreams
from rapportkit.params import PathId


def optional(annotation: Any) -> Any:
    """`annotation | None`, keeping the constraints of an `Annotated[int, Query(le=...)]`."""
    if get_origin(annotation) is Annotated:
        base, *constraints = get_args(annotation)
        return Annotated[base | None, *constraints]
    return annotation | None


def forward(router: APIRouter, service: str, method: str, path: str, summary: str, *,
            body: type[Any] | None = None, **query: Any) -> None:
    """Register `method path` on `router`, forwarded to `service`. Keyword arguments are the query
    parameters and their types (`from_` is published as `from`)."""
    params = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
              inspect.Parameter("caller", inspect.Parameter.KEYWORD_ONLY, annotation=CallerDep)]
    for name in re.findall(r"{(\w+)}", path):
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=PathId))
    for name, annotation in query.items():
        default = Query(None, alias="from") if name == "from_" else None
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=optional(annotation),
                                        default=default))
    if body is not None:
        params.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body))

    async def endpoint(request: Request, caller: Any, **_: Any) -> Response:
        upstreams: Upstreams = request.app.state.upstreams
        return await upstreams.forward(service, request, caller)

    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = re.sub(r"\W+", "_", f"{method}_{path}").strip("_").lower()
    router.add_api_route(path, endpoint, methods=[method], summary=summary)
