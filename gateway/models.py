"""The gateway's own tables: the directory (tenants, teams, reps, users), API keys, erasure
requests, import jobs and webhook subscriptions with their deliveries. Every row but a tenant's
belongs to a tenant."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

S = String(200)


class Base(DeclarativeBase):
    """The gateway's own metadata."""


class Tenant(Base):
    __tablename__ = "tenant"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Team(Base):
    __tablename__ = "team"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(S, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Rep(Base):
    __tablename__ = "rep"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep_id: Mapped[str] = mapped_column(S, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    team_id: Mapped[str] = mapped_column(S)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "app_user"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(S, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key: only its SHA-256 is stored; `prefix` (the first characters) identifies it in lists."""

    __tablename__ = "api_key"
    __table_args__ = (Index("ix_api_key_hash", "key_hash", unique=True),)
    key_id: Mapped[str] = mapped_column(S, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20))  # admin | manager | rep | ingest
    rep_id: Mapped[str | None] = mapped_column(S, nullable=True)  # role rep: whose data
    team_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # role manager: which teams
    user_id: Mapped[str | None] = mapped_column(S, nullable=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ErasureRequest(Base):
    __tablename__ = "erasure_request"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(S, primary_key=True)
    person: Mapped[dict[str, Any]] = mapped_column(JSON)  # the identifying keys only, as requested
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # service → completion time


class ImportJob(Base):
    __tablename__ = "import_job"
    __table_args__ = (Index("ix_import_job_created", "tenant_id", "created_at"),
                      Index("ix_import_job_owner", "tenant_id", "owner_sha256"))
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    job_id: Mapped[str] = mapped_column(S, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # linkedin | crm
    status: Mapped[str] = mapped_column(String(20))  # queued | running | done | failed
    rep_id: Mapped[str | None] = mapped_column(S, nullable=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    events_produced: Mapped[int] = mapped_column(Integer, default=0)
    events_accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    events_refused: Mapped[int] = mapped_column(Integer, default=0)  # events the platform's schemas refused
    # LinkedIn: SHA-256 of the export owner's key (profile URL, else name); see gateway/imports/owner.py
    owner_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # a refused re-import: {rep_id, job_id} of the earlier import of the same export
    conflict: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    rejections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TenantDeletion(Base):
    """A request to delete a whole tenant: the one row of the tenant that outlives its deletion
    (ids and times, nothing personal), so its progress can be read and a second request answers
    with the first."""

    __tablename__ = "tenant_deletion"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(S, primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # service → completion time


class Webhook(Base):
    """A webhook subscription (gateway/webhooks): where the tenant's matching events are POSTed,
    signed with `secret` (Standard Webhooks, `whsec_…`); after a rotation the previous secret signs
    too until `previous_secret_until`."""

    __tablename__ = "webhook"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(S, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    types: Mapped[list[str]] = mapped_column(JSON, default=list)  # full types and prefixes; empty: every type
    description: Mapped[str] = mapped_column(String(500), default="")
    format: Mapped[str] = mapped_column(String(20))  # cloudevents | slack
    secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # active | disabled
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """One event to one subscription: the event as it travelled on its topic (`payload`, sealed: it is
    opened when sent, so an erased person reaches no receiver), its state and every attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("uq_webhook_delivery_event", "tenant_id", "webhook_id", "event_id", unique=True),
                      Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
                      Index("ix_webhook_delivery_log", "tenant_id", "webhook_id", "created_at"))
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(S, primary_key=True)
    webhook_id: Mapped[str] = mapped_column(S)
    event_id: Mapped[str] = mapped_column(S)
    event_type: Mapped[str] = mapped_column(S)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20))  # pending | delivered | failed
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # {at, status_code, latency_ms, error}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
class DigestSubscription(Base):
    """An e-mail digest (docs/integrations.md, "E-mail digests"): `email` is a person's address,
    deleted with the subscription by an erasure naming it (gateway/privacy.py)."""

    __tablename__ = "digest_subscription"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(S, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    cadence: Mapped[str] = mapped_column(String(10))  # daily | weekly
    team_id: Mapped[str | None] = mapped_column(S, nullable=True)  # scope: a team, a rep, else the tenant
    rep_id: Mapped[str | None] = mapped_column(S, nullable=True)
    created_by: Mapped[str | None] = mapped_column(S, nullable=True)  # the key that subscribed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DigestDelivery(Base):
    """One digest of one period: its primary key is the claim, so among gateway replicas exactly one
    inserts it and sends (gateway/digests/schedule.py)."""

    __tablename__ = "digest_delivery"
    __table_args__ = (Index("ix_digest_delivery_due", "status", "next_attempt_at"),)
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(S, primary_key=True)
    period: Mapped[str] = mapped_column(String(80), primary_key=True)  # 2026-12-01, 2026-W48, now-<time>
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # sending | sent | retry | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
