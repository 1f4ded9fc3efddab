"""`/v1/digests/...`: subscribe to e-mail digests, list and delete subscriptions, send now (admin).

Who may subscribe to what (docs/gateway.md, "Identity and access"): an `admin` to the tenant (the
default), a team or a rep of its tenant; a `manager` to one of its teams or a rep of them (it must
name one); a `rep` to itself only (the default for a rep key). Reads and deletes follow the same
reach: a subscription out of reach is a 404, like one that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gateway import directory
from gateway.auth import CallerDep
from gateway.digests.schedule import Sender, delivery_read
from gateway.models import DigestDelivery, DigestSubscription
from rapportkit.access import forbidden, is_admin
from rapportkit.db import read_session, unit_of_work
from rapportkit.errors import ApiError, bad_request, not_found
from rapportkit.identity import Identity
from rapportkit.pagination import Page, PageDep, page
from rapportkit.params import PathId

router = APIRouter(tags=["digests"])

Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s/?#]+$")]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email = Field(examples=["sales-ops@example.com"])
    cadence: Literal["daily", "weekly"]
    team_id: Id | None = Field(None, description="a team's digest (default: the tenant's; a manager must name "
                                                 "one of its teams or rep_id)")
    rep_id: Id | None = Field(None, description="a rep's digest (a rep key: itself, the default)")


class DeliveryRead(BaseModel):
    subscription_id: str
    period: str = Field(description="2026-12-01 (daily), 2026-W48 (weekly) or now-<time> (POST /v1/digests/send)")
    first_day: date
    last_day: date
    status: Literal["sending", "sent", "retry", "failed"]
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


class SubscriptionRead(BaseModel):
    subscription_id: str
    email: str
    cadence: Literal["daily", "weekly"]
    scope: Literal["tenant", "team", "rep"]
    team_id: str | None
    rep_id: str | None
    created_at: datetime
    last_delivery: DeliveryRead | None


class DigestsSent(BaseModel):
    deliveries: list[DeliveryRead] = Field(description="one per subscription of the tenant, as its attempt ended")
    sent: int
    not_sent: int = Field(description="failed attempts, retried by the scheduler (docs/integrations.md)")


def subscription_read(session: Session, row: DigestSubscription) -> SubscriptionRead:
    last = session.scalars(select(DigestDelivery).where(
        DigestDelivery.tenant_id == row.tenant_id, DigestDelivery.subscription_id == row.subscription_id)
        .order_by(DigestDelivery.claimed_at.desc()).limit(1)).first()
    return SubscriptionRead(subscription_id=row.subscription_id, email=row.email,
                            cadence=row.cadence,
                            scope="rep" if row.rep_id else "team" if row.team_id else "tenant",
                            team_id=row.team_id, rep_id=row.rep_id,
                            created_at=row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
                            last_delivery=DeliveryRead(**delivery_read(last)) if last else None)


def checked_scope(session: Session, caller: Identity, body: SubscriptionCreate) -> tuple[str | None, str | None]:
    """(team_id, rep_id) of a new subscription, once the caller may read that scope and it exists."""
    team_id, rep_id = body.team_id, body.rep_id
    if team_id and rep_id:
        raise bad_request(["body", "rep_id"], "a digest is of a team or of a rep, not both")
    if caller.role == "rep":
        if team_id or (rep_id and rep_id != caller.rep_id):
            raise forbidden("a rep key subscribes to its own digest only",
                            ["body", "team_id" if team_id else "rep_id"])
        return None, caller.rep_id
    if caller.role == "manager":
        if team_id is None and rep_id is None:
            raise forbidden("a manager key names one of its teams (team_id) or a rep of them (rep_id)",
                            ["body", "team_id"])
        if team_id is not None and team_id not in caller.team_ids:
            raise forbidden(f"team {team_id!r} is not one of this manager's teams", ["body", "team_id"])
        if rep_id is not None and rep_id not in caller.rep_ids:
            raise forbidden(f"rep {rep_id!r} is not in this manager's teams", ["body", "rep_id"])
    if team_id is not None and directory.missing_teams(session, tenant_id=caller.tenant_id, team_ids=[team_id]):
        raise bad_request(["body", "team_id"], f"unknown team {team_id!r}")
    if rep_id is not None and directory.get_rep(session, tenant_id=caller.tenant_id, rep_id=rep_id) is None:
        raise bad_request(["body", "rep_id"], f"unknown rep {rep_id!r} (reps of the directory only)")
    return team_id, rep_id


def in_reach(caller: Identity) -> ColumnElement[bool]:
    """The subscriptions the caller may read and delete."""
    mine = DigestSubscription.tenant_id == caller.tenant_id
    if is_admin(caller):
        return mine
    if caller.role == "manager":
        return mine & or_(DigestSubscription.team_id.in_(caller.team_ids),
                          DigestSubscription.rep_id.in_(caller.rep_ids))
    return mine & (DigestSubscription.rep_id == (caller.rep_id or ""))


def found(session: Session, caller: Identity, subscription_id: str) -> DigestSubscription:
    row = session.scalars(select(DigestSubscription).where(
        in_reach(caller), DigestSubscription.subscription_id == subscription_id)).first()
    if row is None:
        raise not_found(f"digest subscription {subscription_id!r}")
    return row


@router.post("/v1/digests/subscriptions", status_code=201, response_model=SubscriptionRead,
             summary="Subscribe an e-mail address to a daily or weekly digest")
def subscribe(body: SubscriptionCreate, request: Request, caller: CallerDep) -> SubscriptionRead:
    with unit_of_work(request.app.state.session_factory) as session:
        team_id, rep_id = checked_scope(session, caller, body)
        row = DigestSubscription(tenant_id=caller.tenant_id, subscription_id=f"dg-{uuid.uuid4().hex}",
                                 email=body.email, cadence=body.cadence, team_id=team_id, rep_id=rep_id,
                                 created_by=caller.key_id, created_at=datetime.now(UTC))
        session.add(row)
        session.flush()
        return subscription_read(session, row)


@router.get("/v1/digests/subscriptions", response_model=Page[SubscriptionRead],
            summary="The digest subscriptions within the caller's reach")
def list_subscriptions(request: Request, caller: CallerDep, params: PageDep) -> dict[str, Any]:
    with read_session(request.app.state.session_factory) as session:
        total = session.scalar(select(func.count()).select_from(DigestSubscription).where(in_reach(caller))) or 0
        rows = session.scalars(select(DigestSubscription).where(in_reach(caller))
                               .order_by(DigestSubscription.created_at, DigestSubscription.subscription_id)
                               .limit(params.limit).offset(params.offset))
        return page([subscription_read(session, r) for r in rows], total=int(total), params=params)


@router.get("/v1/digests/subscriptions/{subscription_id}", response_model=SubscriptionRead,
            summary="One digest subscription and its last delivery")
def get_subscription(subscription_id: PathId, request: Request, caller: CallerDep) -> SubscriptionRead:
    with read_session(request.app.state.session_factory) as session:
        return subscription_read(session, found(session, caller, subscription_id))


@router.delete("/v1/digests/subscriptions/{subscription_id}", response_model=SubscriptionRead,
               summary="Unsubscribe (the subscription and its deliveries are deleted)")
def unsubscribe(subscription_id: PathId, request: Request, caller: CallerDep) -> SubscriptionRead:
    with unit_of_work(request.app.state.session_factory) as session:
        row = found(session, caller, subscription_id)
        read = subscription_read(session, row)
        session.execute(delete(DigestDelivery).where(DigestDelivery.tenant_id == row.tenant_id,
                                                     DigestDelivery.subscription_id == row.subscription_id))
        session.delete(row)
        return read


@router.post("/v1/digests/send", response_model=DigestsSent, summary="Send every digest of the tenant now (admin)")
async def send_now(request: Request, caller: CallerDep) -> DigestsSent:
    settings = request.app.state.settings
    if not settings.smtp_url:
        raise ApiError(409, "smtp_not_configured", "this installation sends no e-mail: set RAPPORT_SMTP_URL")
    sender = Sender(request.app.state.session_factory, request.app.state.upstreams, settings)
    deliveries = [DeliveryRead(**d) for d in await sender.send_now(caller.tenant_id) if d["status"] != "deleted"]
    sent = sum(d.status == "sent" for d in deliveries)
    return DigestsSent(deliveries=deliveries, sent=sent, not_sent=len(deliveries) - sent)
