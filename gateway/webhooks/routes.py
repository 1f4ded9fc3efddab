"""`/v1/webhooks`: a tenant admin's webhook subscriptions, their secret and their delivery log
(docs/integrations.md "Webhooks"). Every route is the admin role's (gateway/access.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gateway.auth import CallerDep
from gateway.models import Webhook, WebhookDelivery
from gateway.stream_hub import type_patterns
from gateway.webhooks import schedule, ssrf, store
from rapportkit.db import unit_of_work, utc
from rapportkit.errors import bad_request
from rapportkit.pagination import Page, PageDep
from rapportkit.params import PathId
from rapportkit.web import SessionDep

router = APIRouter(tags=["webhooks"])
Format = Literal["cloudevents", "slack"]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ssrf.MAX_URL)] = Field(
        description="http(s) URL; one resolving to a loopback, private or link-local address is refused "
                    "unless the gateway runs with RAPPORT_WEBHOOK_ALLOW_PRIVATE=true")
    types: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=50,
        description="full event types (`rapport.scoring.score.updated`) or prefixes (`rapport.scoring.`); "
                    "`rapport.` for every event")
    description: Annotated[str, StringConstraints(max_length=500)] = ""
    format: Format = Field("cloudevents", description="`cloudevents`: the CloudEvent (structured JSON); "
                                                       "`slack`: `{\"text\": …}`, a one-line summary")


class WebhookRead(BaseModel):
    webhook_id: str
    url: str
    types: list[str]
    description: str
    format: str
    status: Literal["active", "disabled"]
    disabled_at: datetime | None = Field(description="when it was disabled for failing; `enable` it again")
    disabled_reason: str | None
    failing_since: datetime | None = Field(description="its endpoint has answered no 2xx since then")
    previous_secret_until: datetime | None = Field(description="after a rotation, the previous secret signs "
                                                               "too until then")
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="the signing secret (`whsec_…`, Standard Webhooks): shown in this answer only")


class Attempt(BaseModel):
    at: datetime
    status_code: int | None = Field(description="the receiver's answer; null when there was none")
    latency_ms: int
    error: str | None


class DeliveryRead(BaseModel):
    delivery_id: str
    webhook_id: str
    event_id: str = Field(description="the `webhook-id` header: receivers dedupe by it")
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    created_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    attempts: list[Attempt] = Field(description="every attempt, oldest first")


def webhook_read(row: Webhook) -> dict[str, Any]:
    return {"webhook_id": row.webhook_id, "url": row.url, "types": list(row.types), "description": row.description,
            "format": row.format, "status": row.status, "disabled_at": utc(row.disabled_at),
            "disabled_reason": row.disabled_reason, "failing_since": utc(row.failing_since),
            "previous_secret_until": utc(row.previous_secret_until), "created_at": utc(row.created_at)}


def delivery_read(row: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead.model_validate({
        "delivery_id": row.delivery_id, "webhook_id": row.webhook_id, "event_id": row.event_id,
        "event_type": row.event_type, "status": row.status, "created_at": utc(row.created_at),
        "next_attempt_at": utc(row.next_attempt_at), "finished_at": utc(row.finished_at), "attempts": row.attempts})


def allow_private(request: Request) -> bool:
    settings = getattr(request.app.state, "settings", None)
    return bool(getattr(settings, "webhook_allow_private", False))



@router.post("/v1/webhooks", status_code=201, response_model=WebhookCreated,
             summary="Subscribe a URL to the tenant's events (the signing secret is in this answer only)",
             responses={422: {"description": "A bad field, named; `url` also when it leads to a private address"}})
def create_webhook(body: WebhookCreate, request: Request, caller: CallerDep) -> WebhookCreated:
    patterns = type_patterns(body.types, loc=["types"])
    if not patterns:
        raise bad_request(["types"], "name at least one event type or prefix (`rapport.` for every event)")
    try:
        ssrf.check(body.url, allow_private=allow_private(request))
    except ssrf.UrlRefused as exc:
        raise bad_request(["url"], str(exc)) from exc
    with unit_of_work(request.app.state.session_factory) as session:
        row = store.create(session, tenant_id=caller.tenant_id, url=body.url, types=patterns,
                           description=body.description, format=body.format, now=datetime.now(UTC))
        return WebhookCreated(**webhook_read(row), secret=row.secret)


@router.get("/v1/webhooks", response_model=Page[WebhookRead], summary="The tenant's webhook subscriptions")
def list_webhooks(caller: CallerDep, session: SessionDep, page: PageDep) -> Page[WebhookRead]:
    rows, total = store.listed(session, tenant_id=caller.tenant_id, limit=page.limit, offset=page.offset)
    return Page(items=[WebhookRead(**webhook_read(r)) for r in rows], total=total, limit=page.limit,
                offset=page.offset)


@router.get("/v1/webhooks/{webhook_id}", response_model=WebhookRead,
            summary="One webhook subscription (never its secret)")
def get_webhook(webhook_id: PathId, caller: CallerDep, session: SessionDep) -> WebhookRead:
    return WebhookRead(**webhook_read(store.get(session, tenant_id=caller.tenant_id, webhook_id=webhook_id)))


@router.delete("/v1/webhooks/{webhook_id}", response_model=WebhookRead,
               summary="Delete a webhook subscription and its delivery log (pending deliveries are not sent)")
def delete_webhook(webhook_id: PathId, request: Request, caller: CallerDep) -> WebhookRead:
    with unit_of_work(request.app.state.session_factory) as session:
        row = store.get(session, tenant_id=caller.tenant_id, webhook_id=webhook_id)
        answer = WebhookRead(**webhook_read(row))
        store.remove(session, row)
    return answer


@router.post("/v1/webhooks/{webhook_id}/rotate-secret", response_model=WebhookCreated,
             summary="A new signing secret (in this answer only); the previous one also signs for 24 h")
def rotate_secret(webhook_id: PathId, request: Request, caller: CallerDep) -> WebhookCreated:
    with unit_of_work(request.app.state.session_factory) as session:
        row = store.get(session, tenant_id=caller.tenant_id, webhook_id=webhook_id)
        store.rotate(row, datetime.now(UTC))
        return WebhookCreated(**webhook_read(row), secret=row.secret)


@router.post("/v1/webhooks/{webhook_id}/enable", response_model=WebhookRead,
             summary="Enable a subscription disabled for failing; its pending deliveries are sent at once")
def enable_webhook(webhook_id: PathId, request: Request, caller: CallerDep) -> WebhookRead:
    with unit_of_work(request.app.state.session_factory) as session:
        row = store.get(session, tenant_id=caller.tenant_id, webhook_id=webhook_id)
        schedule.enable(row)
        store.wake(session, tenant_id=caller.tenant_id, webhook_id=webhook_id, now=datetime.now(UTC))
        return WebhookRead(**webhook_read(row))


@router.get("/v1/webhooks/{webhook_id}/deliveries", response_model=Page[DeliveryRead],
            summary="The delivery log: every delivery, newest first, with each attempt")
def list_deliveries(webhook_id: PathId, caller: CallerDep, session: SessionDep, page: PageDep,
                    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
                    ) -> Page[DeliveryRead]:
    store.get(session, tenant_id=caller.tenant_id, webhook_id=webhook_id)
    rows, total = store.deliveries(session, tenant_id=caller.tenant_id, webhook_id=webhook_id, status=status,
                                   limit=page.limit, offset=page.offset)
    return Page(items=[delivery_read(r) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.post("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", status_code=202,
             response_model=DeliveryRead,
             summary="Send a delivery again now (a failed one, or one to repeat), with a new 24 h of retries")
def resend_delivery(webhook_id: PathId, delivery_id: PathId, request: Request,
                    caller: CallerDep) -> DeliveryRead:
    with unit_of_work(request.app.state.session_factory) as session:
        row = store.get_delivery(session, tenant_id=caller.tenant_id, webhook_id=webhook_id,
                                 delivery_id=delivery_id)
        schedule.resend(row, datetime.now(UTC))
        return delivery_read(row)
