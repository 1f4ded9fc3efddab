"""Insight state: accounts (fit and quadrant), stakeholders, signals, rep research, tenant settings.

Every table has `tenant_id`. Rows that can be referenced before the event that creates them
arrives (an account named by a stakeholder, a signal acted on before it was captured) exist as
stubs (`known` / `captured` false) that reads hide until the real event fills them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rapportkit.aliases import PersonAliasColumns


class Base(DeclarativeBase):
    """The insight service's own metadata."""


class ProfileView(Base):
    __tablename__ = "profile_view"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(200))
    rep_id: Mapped[str] = mapped_column(String(200))
    person_key: Mapped[str] = mapped_column(String(2000))
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (
        Index("ix_account_tenant_quadrant", "tenant_id", "quadrant"),
        Index("ix_account_tenant_fit", "tenant_id", "icp_fit"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    known: Mapped[bool] = mapped_column(Boolean, default=False)  # upserted at least once
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)
    industry: Mapped[str | None] = mapped_column(String(500), nullable=True)
    employees: Mapped[int | None] = mapped_column(Integer, nullable=True)
    region: Mapped[str | None] = mapped_column(String(500), nullable=True)
    revenue: Mapped[float | None] = mapped_column(Float, nullable=True)
    upserted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    icp_fit: Mapped[float | None] = mapped_column(Float, nullable=True)
    icp_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    icp_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active_stakeholders: Mapped[int] = mapped_column(Integer, default=0)
    customer_status: Mapped[str | None] = mapped_column(String(8), nullable=True)
    centre_size: Mapped[str | None] = mapped_column(String(8), nullable=True)
    quadrant: Mapped[str | None] = mapped_column(String(40), nullable=True)
    quadrant_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Stakeholder(Base):
    __tablename__ = "stakeholder"
    __table_args__ = (Index("ix_stakeholder_tenant_account", "tenant_id", "account_id"),)

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stakeholder_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200))
    person_key: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    profile_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    company: Mapped[str | None] = mapped_column(String(500), nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    seniority: Mapped[str | None] = mapped_column(String(500), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    identified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    departed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PersonAlias(PersonAliasColumns, Base):
    """A weak (name) key and the strong key it merges into (rapportkit.aliases)."""

    __tablename__ = "person_alias"


class Signal(Base):
    __tablename__ = "signal"
    __table_args__ = (Index("ix_signal_tenant_captured", "tenant_id", "captured_at"),
                      Index("ix_signal_tenant_account", "tenant_id", "account_id"))

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    signal_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    captured: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    strength: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str | None] = mapped_column(String(500), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    person_key: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    person: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    captured_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # first capture
    capture_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # latest
    first_action_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    actioned_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    action: Mapped[str | None] = mapped_column(String(500), nullable=True)
    actions: Mapped[int] = mapped_column(Integer, default=0)
    latency_hours: Mapped[float | None] = mapped_column(Float, nullable=True)


class SignalAction(Base):
    __tablename__ = "signal_action"
    __table_args__ = (Index("ix_signal_action_signal", "tenant_id", "signal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    signal_id: Mapped[str] = mapped_column(String(200))
    rep_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Note(Base):
    __tablename__ = "note"
    __table_args__ = (Index("ix_note_tenant_account", "tenant_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    rep_id: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    person_key: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AccountFollow(Base):
    __tablename__ = "account_follow"
    __table_args__ = (Index("ix_account_follow_tenant_account", "tenant_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    rep_id: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(500))
    account_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    followed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TenantSetting(Base):
    """One row per tenant and kind (`icp`, `quadrant`); `value` is the validated settings model."""

    __tablename__ = "tenant_setting"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
