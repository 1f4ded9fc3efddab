"""The directory and the API keys: tenants, teams, reps, users and keys in the gateway's database.

Service functions take keyword arguments and a `Session` and never commit (the caller's unit of
work does), so a rep row and its `directory.rep.upserted` outbox row commit together.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import ApiKey, Rep, Team, Tenant, User
from rapportkit import outbox
from rapportkit.envelope import new_event
from rapportkit.errors import ApiError, bad_request, not_found

KEY_PREFIX = "rp_"
PREFIX_LENGTH = 12  # "rp_" and 9 characters of the secret: enough to tell keys apart in a list
REP_UPSERTED = "rapport.directory.rep.upserted"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def now() -> datetime:
    return datetime.now(UTC)


def hash_key(secret: str) -> str:
    """What is stored of a key: its SHA-256 (a key is 256 random bits, so no salt or slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


# --- tenants ----------------------------------------------------------------------------------------


def get_tenant(session: Session, *, tenant_id: str) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def create_tenant(session: Session, *, tenant_id: str, name: str) -> Tenant:
    if session.get(Tenant, tenant_id) is not None:
        raise ApiError(409, "conflict", f"tenant {tenant_id!r} already exists",
                       [{"loc": ["body", "tenant_id"], "msg": "already exists"}])
    tenant = Tenant(tenant_id=tenant_id, name=name, created_at=now())
    session.add(tenant)
    return tenant


def ensure_tenant(session: Session, *, tenant_id: str) -> None:
    """The caller's own tenant exists by definition (e.g. `demo` of the bootstrap token): record it."""
    if session.get(Tenant, tenant_id) is None:
        session.add(Tenant(tenant_id=tenant_id, name=tenant_id, created_at=now()))
        session.flush()


def list_tenants(session: Session, *, limit: int, offset: int) -> tuple[list[Tenant], int]:
    total = session.scalar(select(func.count()).select_from(Tenant)) or 0
    rows = session.scalars(select(Tenant).order_by(Tenant.tenant_id).limit(limit).offset(offset))
    return list(rows), total


# --- teams ------------------------------------------------------------------------------------------


def upsert_team(session: Session, *, tenant_id: str, team_id: str, name: str) -> tuple[Team, bool]:
    """Create or rename a team; True when it was created."""
    team = session.get(Team, (tenant_id, team_id))
    if team is None:
        team = Team(tenant_id=tenant_id, team_id=team_id, name=name, created_at=now())
        session.add(team)
        return team, True
    team.name = name
    return team, False


def list_teams(session: Session, *, tenant_id: str, limit: int, offset: int) -> tuple[list[Team], int]:
    where = Team.tenant_id == tenant_id
    total = session.scalar(select(func.count()).select_from(Team).where(where)) or 0
    rows = session.scalars(select(Team).where(where).order_by(Team.team_id).limit(limit).offset(offset))
    return list(rows), total


def missing_teams(session: Session, *, tenant_id: str, team_ids: Sequence[str]) -> list[str]:
    found = set(session.scalars(select(Team.team_id).where(Team.tenant_id == tenant_id,
                                                           Team.team_id.in_(list(team_ids)))))
    return [t for t in team_ids if t not in found]


# --- reps -------------------------------------------------------------------------------------------


def upsert_rep(session: Session, *, tenant_id: str, rep_id: str, name: str, team_id: str) -> tuple[Rep, bool]:
    """Create or change a rep and stage `directory.rep.upserted` when anything changed; True when
    it was created. The team must exist (422 naming `team_id`)."""
    if session.get(Team, (tenant_id, team_id)) is None:
        raise bad_request(["body", "team_id"], f"unknown team {team_id!r}: create it first (POST /v1/admin/teams)")
    rep = session.get(Rep, (tenant_id, rep_id))
    created = rep is None
    if rep is None:
        rep = Rep(tenant_id=tenant_id, rep_id=rep_id, name=name, team_id=team_id, created_at=now())
        session.add(rep)
    elif (rep.name, rep.team_id) == (name, team_id):
        return rep, False
    rep.name, rep.team_id = name, team_id
    outbox.add(session, new_event(type=REP_UPSERTED, tenant_id=tenant_id, source="gateway",
                                  data={"rep_id": rep_id, "name": name, "team_id": team_id}))
    return rep, created


def get_rep(session: Session, *, tenant_id: str, rep_id: str) -> Rep | None:
    return session.get(Rep, (tenant_id, rep_id))


def list_reps(session: Session, *, tenant_id: str, team_id: str | None, limit: int,
              offset: int) -> tuple[list[Rep], int]:
    where = [Rep.tenant_id == tenant_id] + ([Rep.team_id == team_id] if team_id else [])
    total = session.scalar(select(func.count()).select_from(Rep).where(*where)) or 0
    rows = session.scalars(select(Rep).where(*where).order_by(Rep.rep_id).limit(limit).offset(offset))
    return list(rows), total


def reps_of_teams(session: Session, *, tenant_id: str, team_ids: Sequence[str]) -> set[str]:
    """The rep ids of these teams (a manager's scope)."""
    if not team_ids:
        return set()
    return set(session.scalars(select(Rep.rep_id).where(Rep.tenant_id == tenant_id,
                                                        Rep.team_id.in_(list(team_ids)))))


# --- users ------------------------------------------------------------------------------------------


def upsert_user(session: Session, *, tenant_id: str, user_id: str, name: str,
                email: str | None) -> tuple[User, bool]:
    user = session.get(User, (tenant_id, user_id))
    if user is None:
        user = User(tenant_id=tenant_id, user_id=user_id, name=name, email=email, created_at=now())
        session.add(user)
        return user, True
    user.name, user.email = name, email
    return user, False


def list_users(session: Session, *, tenant_id: str, limit: int, offset: int) -> tuple[list[User], int]:
    where = User.tenant_id == tenant_id
    total = session.scalar(select(func.count()).select_from(User).where(where)) or 0
    rows = session.scalars(select(User).where(where).order_by(User.user_id).limit(limit).offset(offset))
    return list(rows), total


# --- API keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, in the create response; only its hash is stored


def create_key(session: Session, *, tenant_id: str, name: str, role: str, rep_id: str | None = None,
               team_ids: Sequence[str] = (), user_id: str | None = None) -> NewKey:
    """A new key of `role`. A rep key names a rep of the directory, a manager key teams of it."""
    if role == "rep":
        if not rep_id:
            raise bad_request(["body", "rep_id"], "a rep key names its rep (rep_id)")
        if session.get(Rep, (tenant_id, rep_id)) is None:
            raise bad_request(["body", "rep_id"], f"unknown rep {rep_id!r}: create it first (POST /v1/admin/reps)")
    elif rep_id:
        raise bad_request(["body", "rep_id"], f"only a rep key names a rep_id, not a {role} key")
    if role == "manager":
        if not team_ids:
            raise bad_request(["body", "team_ids"], "a manager key names at least one team (team_ids)")
        unknown = missing_teams(session, tenant_id=tenant_id, team_ids=team_ids)
        if unknown:
            raise bad_request(["body", "team_ids"], f"unknown team(s) {', '.join(map(repr, unknown))}: "
                                                    "create them first (POST /v1/admin/teams)")
    elif team_ids:
        raise bad_request(["body", "team_ids"], f"only a manager key names team_ids, not a {role} key")
    if user_id and session.get(User, (tenant_id, user_id)) is None:
        raise bad_request(["body", "user_id"], f"unknown user {user_id!r}")
    secret = new_secret()
    key = ApiKey(key_id=f"key_{uuid.uuid4().hex[:20]}", tenant_id=tenant_id, name=name, role=role,
                 rep_id=rep_id if role == "rep" else None, team_ids=list(dict.fromkeys(team_ids)),
                 user_id=user_id, key_hash=hash_key(secret), prefix=secret[:PREFIX_LENGTH],
                 created_at=now(), revoked_at=None, last_used_at=None)
    session.add(key)
    return NewKey(key, secret)


def list_keys(session: Session, *, tenant_id: str, include_revoked: bool, limit: int,
              offset: int) -> tuple[list[ApiKey], int]:
    where = [ApiKey.tenant_id == tenant_id] + ([] if include_revoked else [ApiKey.revoked_at.is_(None)])
    total = session.scalar(select(func.count()).select_from(ApiKey).where(*where)) or 0
    rows = session.scalars(select(ApiKey).where(*where).order_by(ApiKey.created_at, ApiKey.key_id)
                           .limit(limit).offset(offset))
    return list(rows), total


def get_key(session: Session, *, tenant_id: str, key_id: str) -> ApiKey:
    """A key of the tenant; another tenant's key is a 404 like an unknown one."""
    key = session.get(ApiKey, key_id)
    if key is None or key.tenant_id != tenant_id:
        raise not_found(f"API key {key_id!r}")
    return key


def revoke_key(session: Session, *, tenant_id: str, key_id: str) -> ApiKey:
    key = get_key(session, tenant_id=tenant_id, key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = now()
    return key


def find_key(session: Session, *, secret: str) -> ApiKey | None:
    """The live key whose hash matches `secret`, else None (unknown or revoked)."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))
    return key if key is not None and key.revoked_at is None else None


def touch_due(key: ApiKey, *, at: datetime) -> bool:
    """Whether `last_used_at` is unset or older than a minute (then `touch_key` would change it)."""
    last = key.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return last is None or at - last >= LAST_USED_RESOLUTION


def touch_key(key: ApiKey, *, at: datetime) -> bool:
    """Set `last_used_at` when it is unset or older than a minute (one write per key per minute at
    most); True when it changed."""
    if touch_due(key, at=at):
        key.last_used_at = at
        return True
    return False
