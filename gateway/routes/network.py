"""Public routes owned by the network service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.forward import forward
from rapportkit.contracts.network import ConversationPage, RepNetwork
from rapportkit.pagination import PageDep
from rapportkit.params import PathId

router = APIRouter(tags=["network"])


@router.get("/v1/reps/{rep_id}/network", response_model=RepNetwork,
            summary="A rep's connections, conversations, meetings and buying-centre coverage per account",
            description="Definitions and examples: docs/network.md. 404 when the network service has recorded "
                        "no connection, message or meeting of the rep.")
async def rep_network(rep_id: PathId, request: Request, caller: CallerDep) -> Response:
    return await forward("network", request, caller)


@router.get("/v1/reps/{rep_id}/conversations", response_model=ConversationPage,
            summary="A rep's conversations with their metrics, most recently active first")
async def rep_conversations(rep_id: PathId, request: Request, caller: CallerDep, _page: PageDep) -> Response:
    return await forward("network", request, caller)
