"""Read routes, each forwarded unchanged to the service that owns the data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.upstream import Upstreams

router = APIRouter()


@router.get("/v1/reps/{rep_id}/score", tags=["scores"], summary="A rep's current (or a past day's) score")
async def rep_score(rep_id: str, request: Request, caller: CallerDep) -> Response:
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.forward("scoring", request, caller)
