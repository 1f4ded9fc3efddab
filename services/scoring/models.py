"""Scoring read models, built only from events (every table is scoped by tenant_id)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from rapportkit.aliases import PersonAliasColumns
from services.scoring import facts as F

S = String(200)


class Base(DeclarativeBase):
    """The scoring service's own metadata: table names need not differ from other services'."""


# the predicate of `ix_fact_accepted`, written out (not bound): a prepared statement's generic plan uses
# a partial index only when its own condition is this very text (as rapportkit.outbox's UNPUBLISHED)
ACCEPTED = f"kind = '{F.CONN_ACCEPTED}'"


class FactRow(Base):
    __tablename__ = "fact"
    __table_args__ = (Index("ix_fact_rep_at", "tenant_id", "rep_id", "at"),
                      Index("ix_fact_person", "tenant_id", "person"),
                      # every rep's accepted connections of all time, which the scorer reads for the reps
                      # of each pass: without it, every fact the reps ever had (services/scoring/queries.py)
                      Index("ix_fact_accepted", "tenant_id", "rep_id", "person", "at",
                            postgresql_where=text(ACCEPTED), sqlite_where=text(ACCEPTED)))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    rep_id: Mapped[str] = mapped_column(S)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    person: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    account_id: Mapped[str | None] = mapped_column(S, nullable=True)
    ref: Mapped[str | None] = mapped_column(S, nullable=True)
    flag: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    event_id: Mapped[str] = mapped_column(S)


class StakeholderRow(Base):
    __tablename__ = "stakeholder"
    __table_args__ = (Index("ix_stakeholder_person", "tenant_id", "person"),
                      Index("ix_stakeholder_account", "tenant_id", "account_id"))
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stakeholder_id: Mapped[str] = mapped_column(S, primary_key=True)
    account_id: Mapped[str] = mapped_column(S)
    person: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    role: Mapped[str] = mapped_column(String(40), default="unknown")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountRow(Base):
    __tablename__ = "account"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(S, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    quadrant: Mapped[str | None] = mapped_column(String(40), nullable=True)
    quadrant_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    recommendation: Mapped[str | None] = mapped_column(Text, nullable=True)
    icp_fit: Mapped[float | None] = mapped_column(Float, nullable=True)
    icp_fit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SignalRow(Base):
    __tablename__ = "signal"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    signal_id: Mapped[str] = mapped_column(S, primary_key=True)
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OpportunityRow(Base):
    __tablename__ = "opportunity"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(S, primary_key=True)
    rep_id: Mapped[str | None] = mapped_column(S, nullable=True)
    account_id: Mapped[str | None] = mapped_column(S, nullable=True)
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)
    stage: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    won: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    won_amount: Mapped[float | None] = mapped_column(Float, nullable=True)


class StageChangeRow(Base):
    __tablename__ = "opportunity_stage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    opportunity_id: Mapped[str] = mapped_column(S)
    stage: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LeadRow(Base):
    __tablename__ = "lead"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_id: Mapped[str] = mapped_column(S, primary_key=True)
    rep_id: Mapped[str] = mapped_column(S)
    account_id: Mapped[str | None] = mapped_column(S, nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    qualified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ReferralRow(Base):
    __tablename__ = "referral"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    rep_id: Mapped[str] = mapped_column(S)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    person: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class RepRow(Base):
    __tablename__ = "rep"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep_id: Mapped[str] = mapped_column(S, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    team_id: Mapped[str | None] = mapped_column(S, nullable=True)


class AlertRow(Base):
    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("tenant_id", "rep_id", "kind", "occurrence", name="uq_alert"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    rep_id: Mapped[str] = mapped_column(S)
    kind: Mapped[str] = mapped_column(String(40))
    occurrence: Mapped[str] = mapped_column(String(64))  # sha1 of the occurrence key
    day: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScoreRow(Base):
    """The last published score of a rep's day (what `scoring.score.updated` said)."""

    __tablename__ = "score"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep_id: Mapped[str] = mapped_column(S, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    total: Mapped[float] = mapped_column(Float)
    pillars: Mapped[dict[str, float]] = mapped_column(JSON)


LIVE, BULK = 0, 1  # the lanes of a dirty day


class DirtyRow(Base):
    """A rep's day whose score must be recomputed and published (written by the consumer). `lane`
    0 for live events, 1 for bulk loads (imports): the scorer takes live days first, and within a
    lane the oldest first (`marked_at`, epoch seconds of the first change not yet scored), so a
    day is never passed over for days marked after it.

    `version` counts the changes marked on the day (every mark adds one); `claimed_until` (epoch
    seconds) is set while a scorer is scoring the day. The scorer deletes the row afterwards only
    if `version` is still the one it claimed and the claim still its own, so a change committed
    during its pass is scored by the next one (services/scoring/scorer.py)."""

    __tablename__ = "dirty_day"
    __table_args__ = (Index("ix_dirty_day_lane_marked", "lane", "marked_at"),)
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep_id: Mapped[str] = mapped_column(S, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lane: Mapped[int] = mapped_column(Integer, default=0)
    marked_at: Mapped[float] = mapped_column(Float, default=0.0)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class CurrentScoreRow(Base):
    """A rep's materialised score of the board's day, kept by the scorer (services/scoring/current.py)."""

    __tablename__ = "current_score"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep_id: Mapped[str] = mapped_column(S, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    total: Mapped[float] = mapped_column(Float)
    pillars: Mapped[dict[str, float]] = mapped_column(JSON)
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)  # the tenant version read before the rep's facts
    context_version: Mapped[int] = mapped_column(Integer)
    settings_digest: Mapped[str] = mapped_column(String(40))
    formula_version: Mapped[str] = mapped_column(String(20))


class BoardRow(Base):
    """The tenant's last complete build of the materialised scores: its day, versions and settings."""

    __tablename__ = "board"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    context_version: Mapped[int] = mapped_column(Integer)
    settings_digest: Mapped[str] = mapped_column(String(40))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TenantSettingsRow(Base):
    __tablename__ = "tenant_settings"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)


class ContentRow(Base):
    """Who owns a content item (a rep, or "company" for advocacy)."""

    __tablename__ = "content_item"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_id: Mapped[str] = mapped_column(S, primary_key=True)
    owner: Mapped[str] = mapped_column(S)


class TenantVersionRow(Base):
    """How far the tenant's scoring inputs have changed (bumped by every consumer transaction that
    changes them): `version` on any change, `context_version` set to it when the change reaches
    beyond the facts of the reps it names (buying centres, accounts, signals, content, erasure)."""

    __tablename__ = "tenant_version"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    context_version: Mapped[int] = mapped_column(Integer, default=0)


class RepVersionRow(Base):
    """The tenant version at which a rep's facts last changed (the leaderboard recomputes those reps)."""

    __tablename__ = "rep_version"
    __table_args__ = (Index("ix_rep_version", "tenant_id", "version"),)
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep_id: Mapped[str] = mapped_column(S, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class PersonAliasRow(PersonAliasColumns, Base):
    """A weak (name) key and the strong key it merges into (rapportkit.aliases): facts and
    stakeholders stored under either count as one person."""

    __tablename__ = "person_alias"
