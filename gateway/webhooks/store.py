"""The webhook tables (gateway/models.py `Webhook`, `WebhookDelivery`): subscriptions for the routes,
deliveries staged by the dispatcher, claimed and finished by the sender. Callers own the transaction."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from gateway.models import Webhook, WebhookDelivery
from gateway.stream_hub import type_matches
from gateway.webhooks import schedule
from rapportkit.db import among, insert_many, table_of, utc
from rapportkit.errors import not_found

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
ROTATION_GRACE = timedelta(hours=24)  # the previous secret still signs this long after a rotation
LEASE = timedelta(seconds=60)  # a claimed delivery is someone's for this long (a sender that died lets go)
KEPT_FOR = timedelta(days=30)  # finished deliveries stay in the log this long


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# --- subscriptions ----------------------------------------------------------------------------------

def create(session: Session, *, tenant_id: str, url: str, types: Sequence[str], description: str, format: str,
           now: datetime) -> Webhook:
    row = Webhook(tenant_id=tenant_id, webhook_id=f"wh-{uuid.uuid4().hex}", url=url, types=list(types),
                  description=description, format=format, secret=new_secret(), status=schedule.ACTIVE,
                  created_at=now)
    session.add(row)
    return row


def get(session: Session, *, tenant_id: str, webhook_id: str) -> Webhook:
    row = session.get(Webhook, (tenant_id, webhook_id))
    if row is None:
        raise not_found(f"webhook {webhook_id!r}")
    return row


def listed(session: Session, *, tenant_id: str, limit: int, offset: int) -> tuple[list[Webhook], int]:
    where = Webhook.tenant_id == tenant_id
    total = session.scalar(select(func.count()).select_from(Webhook).where(where)) or 0
    rows = session.scalars(select(Webhook).where(where).order_by(Webhook.created_at.desc(), Webhook.webhook_id)
                           .limit(limit).offset(offset))
    return list(rows), total


def remove(session: Session, row: Webhook) -> None:
    """The subscription and its deliveries (pending ones are not sent)."""
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.tenant_id == row.tenant_id,
                                                  WebhookDelivery.webhook_id == row.webhook_id))
    session.delete(row)


def rotate(row: Webhook, now: datetime) -> None:
    """A new secret; the previous one keeps signing for `ROTATION_GRACE`, so receivers can switch."""
    row.previous_secret, row.previous_secret_until, row.secret = row.secret, now + ROTATION_GRACE, new_secret()


def signing_secrets(row: Webhook, now: datetime) -> list[str]:
    until = utc(row.previous_secret_until)
    return [row.secret] + ([row.previous_secret] if row.previous_secret and until and until > now else [])


# --- the delivery log -------------------------------------------------------------------------------

def deliveries(session: Session, *, tenant_id: str, webhook_id: str, status: str | None, limit: int,
               offset: int) -> tuple[list[WebhookDelivery], int]:
    where = [WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.webhook_id == webhook_id]
    if status is not None:
        where.append(WebhookDelivery.status == status)
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(*where)) or 0
    rows = session.scalars(select(WebhookDelivery).where(*where)
                           .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.delivery_id)
                           .limit(limit).offset(offset))
    return list(rows), total


def get_delivery(session: Session, *, tenant_id: str, webhook_id: str, delivery_id: str) -> WebhookDelivery:
    row = session.get(WebhookDelivery, (tenant_id, delivery_id))
    if row is None or row.webhook_id != webhook_id:
        raise not_found(f"delivery {delivery_id!r} of webhook {webhook_id!r}")
    return row


# --- the dispatcher: events in ------------------------------------------------------------------------

@dataclass(frozen=True)
class Published:
    """An event read from a topic: its clear envelope fields and its value as it travelled (sealed)."""

    tenant_id: str
    event_id: str
    event_type: str
    published_at: datetime
    value: bytes


def subscribed(session: Session, tenants: Sequence[str]) -> set[str]:
    """The tenants among `tenants` with an active subscription."""
    return set(session.scalars(select(Webhook.tenant_id).distinct().where(
        among(session, Webhook.tenant_id, tenants), Webhook.status == schedule.ACTIVE)))


def stage(session: Session, events: Sequence[Published], now: datetime) -> int:
    """A pending delivery per event and active subscription of its tenant whose types match, for the
    events published since the subscription was created; one per (subscription, event), so a message
    read twice stages nothing new. Returns how many were staged."""
    tenants = sorted({e.tenant_id for e in events})
    if not tenants:
        return 0
    subscriptions: dict[str, list[Webhook]] = {}
    for row in session.scalars(select(Webhook).where(among(session, Webhook.tenant_id, tenants),
                                                     Webhook.status == schedule.ACTIVE)):
        subscriptions.setdefault(row.tenant_id, []).append(row)
    rows: list[dict[str, Any]] = [
        {"tenant_id": e.tenant_id, "delivery_id": f"whd-{uuid.uuid4().hex}", "webhook_id": w.webhook_id,
         "event_id": e.event_id, "event_type": e.event_type, "payload": e.value, "status": schedule.PENDING,
         "next_attempt_at": now, "attempts": [], "created_at": now, "first_attempt_at": None, "finished_at": None}
        for e in events for w in subscriptions.get(e.tenant_id, ())
        if e.published_at >= utc(w.created_at) and type_matches(e.event_type, tuple(w.types))]
    return len(insert_many(session, table_of(WebhookDelivery), rows, conflict=["tenant_id", "webhook_id", "event_id"],
                           returning=["delivery_id"]))


# --- the sender: deliveries out -----------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    """A delivery the sender took, with what it needs to make the request."""

    tenant_id: str
    delivery_id: str
    event_id: str
    payload: bytes
    url: str
    format: str
    secrets: list[str]


def claim_due(session: Session, *, limit: int, now: datetime) -> list[Claimed]:
    """Up to `limit` due deliveries of active subscriptions, oldest due first, leased for `LEASE` (so
    another sender, or this one after a crash, takes them only once the lease ran out)."""
    stmt = (select(WebhookDelivery, Webhook)
            .join(Webhook, (Webhook.tenant_id == WebhookDelivery.tenant_id)
                  & (Webhook.webhook_id == WebhookDelivery.webhook_id))
            .where(WebhookDelivery.status == schedule.PENDING, WebhookDelivery.next_attempt_at <= now,
                   Webhook.status == schedule.ACTIVE)
            .order_by(WebhookDelivery.next_attempt_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    claimed: list[Claimed] = []
    for delivery, webhook in session.execute(stmt).tuples():
        delivery.next_attempt_at = now + LEASE
        claimed.append(Claimed(tenant_id=delivery.tenant_id, delivery_id=delivery.delivery_id,
                               event_id=delivery.event_id, payload=delivery.payload, url=webhook.url,
                               format=webhook.format, secrets=signing_secrets(webhook, now)))
    return claimed


def finish(session: Session, claimed: Claimed, outcome: schedule.Outcome, now: datetime) -> None:
    """Record an attempt (a delivery deleted meanwhile, with its subscription or tenant, is passed over)."""
    delivery = session.get(WebhookDelivery, (claimed.tenant_id, claimed.delivery_id))
    if delivery is None:
        return
    schedule.record(delivery, session.get(Webhook, (delivery.tenant_id, delivery.webhook_id)), outcome, now)


def prune(session: Session, now: datetime) -> int:
    """Delete the deliveries finished more than `KEPT_FOR` ago."""
    result = session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.status.in_((schedule.DELIVERED, schedule.FAILED)),
        WebhookDelivery.finished_at < now - KEPT_FOR))
    return int(getattr(result, "rowcount", 0) or 0)


def wake(session: Session, *, tenant_id: str, webhook_id: str, now: datetime) -> None:
    """A re-enabled subscription's pending deliveries are due at once."""
    session.execute(update(WebhookDelivery).where(
        WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.webhook_id == webhook_id,
        WebhookDelivery.status == schedule.PENDING).values(next_attempt_at=now))
