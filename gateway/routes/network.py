"""Public routes owned by the network service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.forward import forward
from rapportkit.contracts.network import (
    AccountRelationships,
    ConversationPage,
    EmailQuery,
    PersonRelationships,
    ProfileUrlQuery,
    RelationshipSettings,
    RelationshipSettingsRead,
    RepNetwork,
)
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


@router.get("/v1/accounts/{account_id}/relationships", response_model=AccountRelationships,
            summary="The team relationship map of an account: who of the team knows each stakeholder, how well, "
                    "what is uncovered, and who left",
            description="The strength model and the access rule: docs/relationships.md. Every reader of the "
                        "tenant sees who knows whom; strengths and factors only of the reps within its reach.")
async def account_relationships(account_id: PathId, request: Request, caller: CallerDep) -> Response:
    return await forward("network", request, caller)


@router.get("/v1/people/relationships", response_model=PersonRelationships,
            summary="Who on the team knows this person, strongest first (give profile_url or email)")
async def person_relationships(request: Request, caller: CallerDep, profile_url: ProfileUrlQuery = None,
                               email: EmailQuery = None) -> Response:
    return await forward("network", request, caller)


@router.get("/v1/settings/relationships", response_model=RelationshipSettingsRead,
            summary="The tenant's relationship settings (the strength's half-life)")
async def get_relationship_settings(request: Request, caller: CallerDep) -> Response:
    return await forward("network", request, caller)


@router.put("/v1/settings/relationships", response_model=RelationshipSettingsRead,
            summary="Set the tenant's relationship settings (anything left out falls back to its default)")
async def put_relationship_settings(body: RelationshipSettings, request: Request, caller: CallerDep) -> Response:
    return await forward("network", request, caller)
