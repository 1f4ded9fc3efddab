"""`/v1/admin/...`: tenants (platform admin), teams, reps, users and API keys of a tenant (its
admin, or the platform admin naming `tenant_id`), and `GET /v1/me`, the caller's own identity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from gateway import directory
from gateway.auth import KEYS, CallerDep
from gateway.models import ApiKey, Rep, Team, Tenant, User
from rapportkit.db import unit_of_work
from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from rapportkit.pagination import Page, PageDep
from rapportkit.params import PathId
from rapportkit.web import SessionDep

router = APIRouter(tags=["admin"])

TenantId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
# ids appear in paths (/v1/reps/{rep_id}/...): no slash, whitespace, `?` or `#`
Id = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s/?#]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Email = Annotated[str, StringConstraints(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Role = Literal["admin", "manager", "rep", "ingest"]
TenantQuery = Annotated[TenantId | None, Query(description="platform admin only: another tenant")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TenantCreate(Strict):
    tenant_id: TenantId = Field(description="lowercase letters, digits, `-` and `_`, up to 64")
    name: Name


class TenantRead(BaseModel):
    tenant_id: str
    name: str
    created_at: datetime


class TeamCreate(Strict):
    team_id: Id
    name: Name
    tenant_id: TenantId | None = Field(None, description="platform admin only: another tenant")


class TeamRead(BaseModel):
    tenant_id: str
    team_id: str
    name: str
    created_at: datetime


class RepCreate(Strict):
    rep_id: Id
    name: Name
    team_id: Id
    tenant_id: TenantId | None = Field(None, description="platform admin only: another tenant")


class RepRead(BaseModel):
    tenant_id: str
    rep_id: str
    name: str
    team_id: str
    created_at: datetime


class UserCreate(Strict):
    user_id: Id
    name: Name
    email: Email | None = None
    tenant_id: TenantId | None = Field(None, description="platform admin only: another tenant")


class UserRead(BaseModel):
    tenant_id: str
    user_id: str
    name: str
    email: str | None
    created_at: datetime


class KeyCreate(Strict):
    role: Role
    name: Name | None = Field(None, description="what the key is for (default: the role)")
    rep_id: Id | None = Field(None, description="role `rep`: the rep whose data the key reads")
    team_ids: list[Id] = Field(default_factory=list, max_length=100,
                               description="role `manager`: the teams whose reps the key reads")
    user_id: Id | None = Field(None, description="the user holding the key, if recorded")
    tenant_id: TenantId | None = Field(None, description="platform admin only: another tenant")


class KeyRead(BaseModel):
    key_id: str
    tenant_id: str
    name: str
    role: str
    rep_id: str | None
    team_ids: list[str]
    user_id: str | None
    prefix: str = Field(description="the key's first characters, to recognise it; never the whole key")
    created_at: datetime
    last_used_at: datetime | None = Field(description="to the minute")
    revoked_at: datetime | None
    revoked: bool


class KeyCreated(KeyRead):
    key: str = Field(description="the API key: shown once, only its SHA-256 is stored")


class Me(BaseModel):
    tenant_id: str
    role: str
    key_id: str | None
    platform_admin: bool
    rep_id: str | None
    team_ids: list[str]
    rep: RepRead | None = Field(description="role `rep`: the rep, when it is in the directory")
    teams: list[TeamRead] = Field(description="role `manager`: its teams")


def tenant_of(session: Session, caller: Identity, requested: str | None, loc: str) -> str:
    """The tenant an admin request acts on: the caller's own, or (platform admin only) the one it
    names. Naming another tenant without being the platform admin is a 404 like an unknown one."""
    if requested is None or requested == caller.tenant_id:
        return caller.tenant_id
    if not caller.platform_admin or directory.get_tenant(session, tenant_id=requested) is None:
        raise ApiError(404, "not_found", f"tenant {requested!r} not found",
                       [{"loc": [loc, "tenant_id"], "msg": "unknown tenant"}])
    return requested


def writable_tenant(session: Session, caller: Identity, requested: str | None) -> str:
    tenant = tenant_of(session, caller, requested, "body")
    directory.ensure_tenant(session, tenant_id=tenant)
    return tenant


def key_read(key: ApiKey) -> KeyRead:
    return KeyRead(key_id=key.key_id, tenant_id=key.tenant_id, name=key.name, role=key.role, rep_id=key.rep_id,
                   team_ids=list(key.team_ids or []), user_id=key.user_id, prefix=key.prefix,
                   created_at=key.created_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at,
                   revoked=key.revoked_at is not None)


def tenant_read(row: Tenant) -> TenantRead:
    return TenantRead(tenant_id=row.tenant_id, name=row.name, created_at=row.created_at)


def team_read(row: Team) -> TeamRead:
    return TeamRead(tenant_id=row.tenant_id, team_id=row.team_id, name=row.name, created_at=row.created_at)


def rep_read(row: Rep) -> RepRead:
    return RepRead(tenant_id=row.tenant_id, rep_id=row.rep_id, name=row.name, team_id=row.team_id,
                   created_at=row.created_at)


def user_read(row: User) -> UserRead:
    return UserRead(tenant_id=row.tenant_id, user_id=row.user_id, name=row.name, email=row.email,
                    created_at=row.created_at)


def created(response: Response, is_new: bool) -> None:
    response.status_code = 201 if is_new else 200


# --- tenants ----------------------------------------------------------------------------------------


@router.post("/v1/admin/tenants", status_code=201, response_model=TenantRead,
             summary="Create a tenant (platform admin)")
def create_tenant(body: TenantCreate, request: Request, caller: CallerDep) -> TenantRead:
    with unit_of_work(request.app.state.session_factory) as session:
        return tenant_read(directory.create_tenant(session, tenant_id=body.tenant_id, name=body.name))


@router.get("/v1/admin/tenants", response_model=Page[TenantRead], summary="The tenants (platform admin)")
def list_tenants(caller: CallerDep, session: SessionDep, page: PageDep) -> Page[TenantRead]:
    rows, total = directory.list_tenants(session, limit=page.limit, offset=page.offset)
    return Page(items=[tenant_read(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


# --- teams ------------------------------------------------------------------------------------------


@router.post("/v1/admin/teams", status_code=201, response_model=TeamRead,
             summary="Create a team, or rename it (200)")
def upsert_team(body: TeamCreate, request: Request, response: Response, caller: CallerDep) -> TeamRead:
    with unit_of_work(request.app.state.session_factory) as session:
        tenant = writable_tenant(session, caller, body.tenant_id)
        team, is_new = directory.upsert_team(session, tenant_id=tenant, team_id=body.team_id, name=body.name)
        created(response, is_new)
        return team_read(team)


@router.get("/v1/admin/teams", response_model=Page[TeamRead], summary="The tenant's teams")
def list_teams(caller: CallerDep, session: SessionDep, page: PageDep,
               tenant_id: TenantQuery = None) -> Page[TeamRead]:
    tenant = tenant_of(session, caller, tenant_id, "query")
    rows, total = directory.list_teams(session, tenant_id=tenant, limit=page.limit, offset=page.offset)
    return Page(items=[team_read(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


# --- reps -------------------------------------------------------------------------------------------


@router.post("/v1/admin/reps", status_code=201, response_model=RepRead,
             summary="Create a rep, or change its name or team (200); publishes directory.rep.upserted")
def upsert_rep(body: RepCreate, request: Request, response: Response, caller: CallerDep) -> RepRead:
    with unit_of_work(request.app.state.session_factory) as session:
        tenant = writable_tenant(session, caller, body.tenant_id)
        rep, is_new = directory.upsert_rep(session, tenant_id=tenant, rep_id=body.rep_id, name=body.name,
                                           team_id=body.team_id)
        created(response, is_new)
        return rep_read(rep)


@router.get("/v1/admin/reps", response_model=Page[RepRead], summary="The tenant's reps")
def list_reps(caller: CallerDep, session: SessionDep, page: PageDep,
              team_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
              tenant_id: TenantQuery = None) -> Page[RepRead]:
    tenant = tenant_of(session, caller, tenant_id, "query")
    rows, total = directory.list_reps(session, tenant_id=tenant, team_id=team_id, limit=page.limit,
                                      offset=page.offset)
    return Page(items=[rep_read(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get("/v1/admin/reps/{rep_id}", response_model=RepRead, summary="One rep of the directory")
def get_rep(rep_id: PathId, caller: CallerDep, session: SessionDep, tenant_id: TenantQuery = None) -> RepRead:
    tenant = tenant_of(session, caller, tenant_id, "query")
    rep = directory.get_rep(session, tenant_id=tenant, rep_id=rep_id)
    if rep is None:
        raise ApiError(404, "not_found", f"rep {rep_id!r} not found in the directory")
    return rep_read(rep)


# --- users ------------------------------------------------------------------------------------------


@router.post("/v1/admin/users", status_code=201, response_model=UserRead,
             summary="Record a user (a holder of keys), or change it (200)")
def upsert_user(body: UserCreate, request: Request, response: Response, caller: CallerDep) -> UserRead:
    with unit_of_work(request.app.state.session_factory) as session:
        tenant = writable_tenant(session, caller, body.tenant_id)
        user, is_new = directory.upsert_user(session, tenant_id=tenant, user_id=body.user_id, name=body.name,
                                             email=body.email)
        created(response, is_new)
        return user_read(user)


@router.get("/v1/admin/users", response_model=Page[UserRead], summary="The tenant's users")
def list_users(caller: CallerDep, session: SessionDep, page: PageDep,
               tenant_id: TenantQuery = None) -> Page[UserRead]:
    tenant = tenant_of(session, caller, tenant_id, "query")
    rows, total = directory.list_users(session, tenant_id=tenant, limit=page.limit, offset=page.offset)
    return Page(items=[user_read(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


# --- API keys ---------------------------------------------------------------------------------------


@router.post("/v1/admin/api-keys", status_code=201, response_model=KeyCreated,
             summary="Create an API key (the key is in this answer only)")
def create_key(body: KeyCreate, request: Request, caller: CallerDep) -> KeyCreated:
    with unit_of_work(request.app.state.session_factory) as session:
        tenant = writable_tenant(session, caller, body.tenant_id)
        made = directory.create_key(session, tenant_id=tenant, name=body.name or f"{body.role} key", role=body.role,
                                    rep_id=body.rep_id, team_ids=body.team_ids, user_id=body.user_id)
        return KeyCreated(**key_read(made.key).model_dump(), key=made.secret)


@router.get("/v1/admin/api-keys", response_model=Page[KeyRead],
            summary="The tenant's API keys (prefix and metadata, never the key)")
def list_keys(caller: CallerDep, session: SessionDep, page: PageDep, include_revoked: bool = False,
              tenant_id: TenantQuery = None) -> Page[KeyRead]:
    tenant = tenant_of(session, caller, tenant_id, "query")
    rows, total = directory.list_keys(session, tenant_id=tenant, include_revoked=include_revoked,
                                      limit=page.limit, offset=page.offset)
    return Page(items=[key_read(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get("/v1/admin/api-keys/{key_id}", response_model=KeyRead, summary="One API key (never the key itself)")
def get_key(key_id: PathId, caller: CallerDep, session: SessionDep, tenant_id: TenantQuery = None) -> KeyRead:
    tenant = tenant_of(session, caller, tenant_id, "query")
    return key_read(directory.get_key(session, tenant_id=tenant, key_id=key_id))


@router.delete("/v1/admin/api-keys/{key_id}", response_model=KeyRead,
               summary="Revoke an API key: from now on it is refused (401)")
def revoke_key(key_id: PathId, request: Request, caller: CallerDep, tenant_id: TenantQuery = None) -> KeyRead:
    with unit_of_work(request.app.state.session_factory) as session:
        tenant = tenant_of(session, caller, tenant_id, "query")
        key = directory.revoke_key(session, tenant_id=tenant, key_id=key_id)
        answer = key_read(key)
    KEYS.forget(key_id)
    return answer


# --- the caller ---------------------------------------------------------------------------------------


@router.get("/v1/me", response_model=Me, tags=["identity"], summary="The caller: tenant, role and reach")
def me(caller: CallerDep, session: SessionDep) -> Me:
    rep = directory.get_rep(session, tenant_id=caller.tenant_id, rep_id=caller.rep_id) if caller.rep_id else None
    teams = [t for t in (session.get(Team, (caller.tenant_id, team_id)) for team_id in caller.team_ids) if t]
    return Me(tenant_id=caller.tenant_id, role=caller.role, key_id=caller.key_id, platform_admin=caller.platform_admin,
              rep_id=caller.rep_id, team_ids=list(caller.team_ids), rep=rep_read(rep) if rep else None,
              teams=[team_read(t) for t in teams])
