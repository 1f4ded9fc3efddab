"""Public routes owned by the scoring service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.upstream import Upstreams

router = APIRouter(tags=["scoring"])


@router.get("/v1/reps/{rep_id}/score", summary="A rep's current (or a past day's) score")
async def rep_score(rep_id: str, request: Request, caller: CallerDep) -> Response:
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.forward("scoring", request, caller)
