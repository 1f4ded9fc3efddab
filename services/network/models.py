"""Network state (every table is scoped by tenant_id).

Tables are prefixed ``network_`` and declared on the service's own `Base`, so they never clash
with another service's models in one Python process.

* written by the ingest handlers (API process): connections, messages, meetings, person events;
* written by the consumer (worker): the read models of accounts and stakeholders (from
  ``rapport.insight.v2``), engagements with the reps' content (from ``rapport.content.v2``); erasure;
* written by the settings route (API): the per-tenant relationship settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rapportkit.aliases import PersonAliasColumns
from rapportkit.db import utc
from services.network.connections import History


class Base(DeclarativeBase):
    """The network service's own metadata."""


S = String(200)
KEY = String(2000)  # a person key (normalised profile URL, email, or weak name key)


class ConnectionRow(Base):
    """One rep's connection with one person: the folded history and its status."""

    __tablename__ = "network_connection"
    __table_args__ = (Index("ix_network_connection_person", "tenant_id", "person_key"),)
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep_id: Mapped[str] = mapped_column(S, primary_key=True)
    person_key: Mapped[str] = mapped_column(KEY, primary_key=True)
    person: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # latest by event time
    person_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str | None] = mapped_column(String(16), nullable=True)
    first_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def history(self) -> History:
        return History(first_requested_at=utc(self.first_requested_at), direction=self.direction,
                       last_requested_at=utc(self.last_requested_at), accepted_at=utc(self.accepted_at),
                       declined_at=utc(self.declined_at), withdrawn_at=utc(self.withdrawn_at))

    def store(self, history: History, status: str) -> None:
        self.first_requested_at, self.direction = history.first_requested_at, history.direction
        self.last_requested_at, self.accepted_at = history.last_requested_at, history.accepted_at
        self.declined_at, self.withdrawn_at = history.declined_at, history.withdrawn_at
        self.status = status


class MessageRow(Base):
    __tablename__ = "network_message"
    __table_args__ = (UniqueConstraint("tenant_id", "event_id", name="uq_network_message_event"),
                      Index("ix_network_message_rep", "tenant_id", "rep_id", "at"),
                      Index("ix_network_message_person", "tenant_id", "person_key"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(S)
    rep_id: Mapped[str] = mapped_column(S)
    conversation_id: Mapped[str] = mapped_column(S)
    person_key: Mapped[str] = mapped_column(KEY)
    outbound: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # erased on request
    length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_pitch: Mapped[bool] = mapped_column(Boolean, default=False)
    pitch_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    pitch_rules: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    minutes_since_accepted: Mapped[float | None] = mapped_column(Float, nullable=True)


class MeetingRow(Base):
    __tablename__ = "network_meeting"
    __table_args__ = (Index("ix_network_meeting_rep", "tenant_id", "rep_id"),
                      Index("ix_network_meeting_person", "tenant_id", "person_key"))
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(S, primary_key=True)
    rep_id: Mapped[str] = mapped_column(S)
    kind: Mapped[str] = mapped_column(String(20))
    person_key: Mapped[str | None] = mapped_column(KEY, nullable=True)
    person: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    account_id: Mapped[str | None] = mapped_column(S, nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(S, nullable=True)
    booked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # latest event time applied


class PersonAliasRow(PersonAliasColumns, Base):
    """A weak (name) key and the strong key it merges into (rapportkit.aliases)."""

    __tablename__ = "network_person_alias"


class AccountRow(Base):
    __tablename__ = "network_account"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(S, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StakeholderRow(Base):
    __tablename__ = "network_stakeholder"
    __table_args__ = (Index("ix_network_stakeholder_person", "tenant_id", "person_key"),
                      Index("ix_network_stakeholder_account", "tenant_id", "account_id"))
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stakeholder_id: Mapped[str] = mapped_column(S, primary_key=True)
    account_id: Mapped[str] = mapped_column(S)
    person_key: Mapped[str | None] = mapped_column(KEY, nullable=True)
    role: Mapped[str] = mapped_column(String(40), default="unknown")
    seniority: Mapped[str | None] = mapped_column(String(500), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # of the active flag
    identified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    person: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # of the latest identification


class EngagementRow(Base):
    """A person's engagement with a rep's content (``content.engagement.recorded``, consumed from
    ``rapport.content.v2``): one factor of relationship strength (docs/relationships.md)."""

    __tablename__ = "network_engagement"
    __table_args__ = (UniqueConstraint("tenant_id", "event_id", name="uq_network_engagement_event"),
                      Index("ix_network_engagement_person", "tenant_id", "person_key"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(S)
    rep_id: Mapped[str] = mapped_column(S)
    person_key: Mapped[str] = mapped_column(KEY)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SettingRow(Base):
    """Per-tenant network settings, one row per kind (`relationships`); `value` is the validated model."""

    __tablename__ = "network_setting"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
