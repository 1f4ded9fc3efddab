"""The one way the gateway declares a route it forwards to its owning service:

    @router.get("/v1/leaderboard", response_model=Leaderboard, summary="Reps ranked by total score")
    async def leaderboard(request: Request, caller: CallerDep, team_id: str | None = None) -> Response:
        return await forward("scoring", request, caller)

- The parameters (path, query, body) are declared with their types, so the gateway's OpenAPI
  documents them and a malformed request is refused here (422 naming the field) before it is
  forwarded.
- `response_model` is the service's public model (rapportkit.contracts.<service>), the one the
  service itself declares, so the OpenAPI documents the success body.
- The endpoint returns the upstream's answer as a `Response` (status, bytes, content type), and
  FastAPI passes a returned Response on untouched: the model costs nothing at run time here, the
  body is not parsed, validated or re-serialised (the service already validated it).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from gateway.upstream import Upstreams
from rapportkit.identity import Identity


async def forward(service: str, request: Request, caller: Identity) -> Response:
    """Pass the request to `service` unchanged (path, query, body) and its answer back as it came."""
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.forward(service, request, caller)
