"""Content state and read models (every table is scoped by tenant_id).

Table names are unique across the services (`insight_stakeholder`, not `stakeholder`): every model
shares `rapportkit.db.Base`, so one process (a test run) may import several services' models.

Owned state, written by the ingest handlers: content items and their topics, shares, engagement
received (one row per accepted event, repeats included: de-duplication happens on read), and
engagement given. Read models built from other services' events (event-carried state transfer,
written by the consumer): stakeholders and accounts from `rapport.insight.v2`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(200)
KEY = String(2000)  # a person key (normalised profile URL or email)
SERIAL = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """The content service's own metadata."""


class ContentItem(Base):
    """A content item. A share or engagement naming an item not yet published creates a placeholder
    (kind, title and owner null) that the published event fills in, whatever the arrival order."""

    __tablename__ = "content"
    __table_args__ = (Index("ix_content_owner", "tenant_id", "owner"),)
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    owner: Mapped[str | None] = mapped_column(ID, nullable=True)
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # event time of the published event whose fields are shown (a later edit wins, an older one is ignored)
    version_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ContentTopic(Base):
    """One normalised topic of an item (lower case, no leading '#'), for `?topic=`."""

    __tablename__ = "content_topic"
    __table_args__ = (Index("ix_content_topic_topic", "tenant_id", "topic"),)
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_id: Mapped[str] = mapped_column(ID, primary_key=True)
    topic: Mapped[str] = mapped_column(String(500), primary_key=True)


class ContentShare(Base):
    __tablename__ = "content_share"
    __table_args__ = (Index("ix_content_share_item", "tenant_id", "content_id"),
                      Index("ix_content_share_rep", "tenant_id", "rep_id", "shared_at"))
    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(ID)
    content_id: Mapped[str] = mapped_column(ID)
    rep_id: Mapped[str] = mapped_column(ID)
    channel: Mapped[str] = mapped_column(String(20))
    shared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EngagementReceived(Base):
    """Engagement received: someone engaged with a rep's share of an item. Every accepted event is
    a row (repeated views too); reads count each person once per kind where the kind says so."""

    __tablename__ = "engagement_received"
    __table_args__ = (Index("ix_engagement_received_item", "tenant_id", "content_id", "at"),
                      Index("ix_engagement_received_rep", "tenant_id", "rep_id", "at"),
                      Index("ix_engagement_received_person", "tenant_id", "person_key"),
                      Index("ix_engagement_received_email", "tenant_id", "email_key"))
    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(ID)
    content_id: Mapped[str] = mapped_column(ID)
    rep_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    person_key: Mapped[str] = mapped_column(KEY)  # `erased:<request id>` once the person is erased
    email_key: Mapped[str | None] = mapped_column(String(320), nullable=True)
    person_name: Mapped[str | None] = mapped_column(String(500), nullable=True)


class EngagementGiven(Base):
    """The rep engaged with someone else's post (like/reaction, comment, share)."""

    __tablename__ = "engagement_given"
    __table_args__ = (Index("ix_engagement_given_rep", "tenant_id", "rep_id", "at"),
                      Index("ix_engagement_given_person", "tenant_id", "person_key"),
                      Index("ix_engagement_given_email", "tenant_id", "email_key"))
    id: Mapped[int] = mapped_column(SERIAL, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(ID)
    rep_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    link: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    content_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    person_key: Mapped[str | None] = mapped_column(KEY, nullable=True)
    email_key: Mapped[str | None] = mapped_column(String(320), nullable=True)
    person_name: Mapped[str | None] = mapped_column(String(500), nullable=True)


class InsightStakeholder(Base):
    """The content service's copy of the buying centres (from insight events).

    `identified_at` / `departed_at` are the event times of the latest identified / departed event;
    the stakeholder has departed when the latter is the later one."""

    __tablename__ = "insight_stakeholder"
    __table_args__ = (Index("ix_insight_stakeholder_person", "tenant_id", "person_key"),
                      Index("ix_insight_stakeholder_email", "tenant_id", "email_key"),
                      Index("ix_insight_stakeholder_account", "tenant_id", "account_id"))
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stakeholder_id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ID)
    person_key: Mapped[str | None] = mapped_column(KEY, nullable=True)
    email_key: Mapped[str | None] = mapped_column(String(320), nullable=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    role: Mapped[str] = mapped_column(String(40), default="unknown")
    seniority: Mapped[str | None] = mapped_column(String(500), nullable=True)
    identified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    departed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InsightAccount(Base):
    __tablename__ = "insight_account"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    industry: Mapped[str | None] = mapped_column(String(500), nullable=True)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
