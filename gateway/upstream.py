"""One pooled httpx.AsyncClient per upstream service, made in the gateway's lifespan."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import Response

from rapportkit.errors import ApiError, bad_request
from rapportkit.identity import HEADER, Identity, sign
from rapportkit.logs import request_id_var


class Upstreams:
    def __init__(self, urls: dict[str, str], *, secret: str, timeout: float):
        self.secret = secret
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
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
        headers = {**self.headers(identity), **(headers or {})}
        if content is not None:
            headers["Content-Type"] = content_type
        try:
            return await self.clients[service].request(method, path, params=params, content=content,
                                                       headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError(503, "service_unavailable",
                           f"the {service} service is unavailable ({type(exc).__name__}); retry later") from exc

    async def forward(self, service: str, request: Request, identity: Identity) -> Response:
        """Pass a request through to its owning service unchanged (path, query, JSON body)."""
        body = await request.body() if request.method in ("POST", "PUT", "PATCH") else None
        content_type = request.headers.get("content-type", "application/json")
        if not content_type.isascii() or not content_type.isprintable():  # headers going out must be ASCII
            raise bad_request(["header", "content-type"], "must be printable ASCII")
        upstream = await self.call(service, request.method, request.url.path, identity,
                                   params=request.query_params.multi_items(), content=body,
                                   content_type=content_type)
        return Response(upstream.content, status_code=upstream.status_code,
                        media_type=upstream.headers.get("content-type", "application/json"))
