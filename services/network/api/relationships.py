"""The team relationship map: who on the team knows a stakeholder or a person, and how well, and the
tenant's relationship settings (docs/relationships.md). Every reader of the tenant may read the map;
strengths and factors are shown for the reps within the caller's reach (rapportkit.access)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from rapportkit import access
from rapportkit.contracts.network import (
    AccountRelationships,
    EmailQuery,
    PersonRelationships,
    ProfileUrlQuery,
    RelationshipSettings,
    RelationshipSettingsRead,
)
from rapportkit.db import unit_of_work
from rapportkit.params import PathId
from rapportkit.web import IdentityDep, SessionDep
from services.network import settings
from services.network.relationships import account_relationships, person_relationships

router = APIRouter()


@router.get("/v1/accounts/{account_id}/relationships", response_model=AccountRelationships)
def account_map(account_id: PathId, identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.READERS, "read the relationship map")
    return account_relationships(session, identity, account_id)


@router.get("/v1/people/relationships", response_model=PersonRelationships)
def who_knows(identity: IdentityDep, session: SessionDep, profile_url: ProfileUrlQuery = None,
              email: EmailQuery = None) -> dict[str, Any]:
    access.require(identity, access.READERS, "read the relationship map")
    return person_relationships(session, identity, profile_url=profile_url, email=email)


@router.get("/v1/settings/relationships", response_model=RelationshipSettingsRead)
def get_settings(identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.READERS, "read the relationship settings")
    return settings.read(session, identity.tenant_id)


@router.put("/v1/settings/relationships", response_model=RelationshipSettingsRead)
def put_settings(body: RelationshipSettings, request: Request, identity: IdentityDep) -> dict[str, Any]:
    access.require(identity, access.ADMIN, "change the tenant's relationship settings")
    with unit_of_work(request.app.state.session_factory) as session:
        return settings.change(session, identity.tenant_id, body)
