"""One pooled httpx.AsyncClient per upstream service, made in the gateway's lifespan.

`forward` passes the caller's `Accept` on (a CSV export is asked with `Accept: text/csv`) and
streams the answer back as it arrives, so a large export is never held whole by the gateway."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from rapportkit.errors import ApiError, bad_request
from rapportkit.identity import HEADER, Identity, sign
from rapportkit.logs import request_id_var


def unavailable(service: str, exc: Exception) -> ApiError:
    return ApiError(503, "service_unavailable",
                    f"the {service} service is unavailable ({type(exc).__name__}); retry later")


# An idle pooled connection is dropped after this long, well before the services' uvicorn closes it
# (--timeout-keep-alive, 5 s). At httpx's default, also 5 s, a request could go out on a connection the
# service was closing at that moment and fail with RemoteProtocolError: a 503 for a healthy service.
KEEPALIVE_SECONDS = 2.0


class Upstreams:
    def __init__(self, urls: dict[str, str], *, secret: str, timeout: float):
        self.secret = secret
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_SECONDS)
        self.clients = {name: httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits)
                        for name, url in urls.items()}

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def headers(self, identity: Identity) -> dict[str, str]:
        return {HEADER: sign(identity, self.secret), "X-Request-ID": request_id_var.get() or ""}

    async def call(self, service: str, method: str, path: str, identity: Identity, *,
                   params: Any = None, content: bytes | None = None,
                   content_type: str = "application/json", headers: dict[str, str] | None = None) -> httpx.Response:
        return await self._send(service, self._request(service, method, path, identity, params=params,
                                                       content=content, content_type=content_type,
                                                       headers=headers))

    def _request(self, service: str, method: str, path: str, identity: Identity, *, params: Any,
                 content: bytes | None, content_type: str, headers: dict[str, str] | None) -> httpx.Request:
        headers = {**self.headers(identity), **(headers or {})}
        if content is not None:
            headers["Content-Type"] = content_type
        return self.clients[service].build_request(method, path, params=params, content=content, headers=headers)

    async def _send(self, service: str, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        try:
            return await self.clients[service].send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise unavailable(service, exc) from exc

    async def forward(self, service: str, request: Request, identity: Identity) -> Response:
        """Pass a request through to its owning service unchanged (path, query, JSON body)."""
        body = await request.body() if request.method in ("POST", "PUT", "PATCH") else None
        content_type = request.headers.get("content-type", "application/json")
        if not content_type.isascii() or not content_type.isprintable():  # headers going out must be ASCII
            raise bad_request(["header", "content-type"], "must be printable ASCII")
        accept = request.headers.get("accept")
        passed = {"Accept": accept} if accept and accept.isascii() and accept.isprintable() else None
        upstream = await self._send(service, self._request(
            service, request.method, request.url.path, identity, params=request.query_params.multi_items(),
            content=body, content_type=content_type, headers=passed), stream=True)
        media_type = upstream.headers.get("content-type", "application/json")
        if media_type.startswith("text/csv"):
            disposition = upstream.headers.get("content-disposition")
            return StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code, media_type=media_type,
                                     headers={"Content-Disposition": disposition} if disposition else None,
                                     background=BackgroundTask(upstream.aclose))
        try:
            content = await upstream.aread()
        except httpx.HTTPError as exc:
            raise unavailable(service, exc) from exc
        finally:
            await upstream.aclose()
        return Response(content, status_code=upstream.status_code, media_type=media_type)
