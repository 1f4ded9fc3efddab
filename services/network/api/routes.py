"""Network reads: a rep's connections, conversations, meetings and buying-centre coverage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rapportkit import access
from rapportkit.contracts.network import ConversationPage, RepNetwork
from rapportkit.pagination import PageDep, page
from rapportkit.params import PathId
from rapportkit.web import IdentityDep, SessionDep
from services.network.read import rep_conversations, rep_network

router = APIRouter()


@router.get("/v1/reps/{rep_id}/network", response_model=RepNetwork)
def network(rep_id: PathId, identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.check_rep(identity, rep_id)
    return rep_network(session, tenant_id=identity.tenant_id, rep_id=rep_id)


@router.get("/v1/reps/{rep_id}/conversations", response_model=ConversationPage)
def conversations(rep_id: PathId, identity: IdentityDep, session: SessionDep, params: PageDep) -> dict[str, Any]:
    access.check_rep(identity, rep_id)
    items, total = rep_conversations(session, tenant_id=identity.tenant_id, rep_id=rep_id,
                                     limit=params.limit, offset=params.offset)
    return page(items, total=total, params=params)
