"""content: items, topics, shares, engagement received and given; copies of stakeholders and accounts

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "content",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "content_id"),
    )
    op.create_index("ix_content_owner", "content", ["tenant_id", "owner"])
    op.create_table(
        "content_topic",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "content_id", "topic"),
    )
    op.create_index("ix_content_topic_topic", "content_topic", ["tenant_id", "topic"])
    op.create_table(
        "content_share",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("content_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_content_share_item", "content_share", ["tenant_id", "content_id"])
    op.create_index("ix_content_share_rep", "content_share", ["tenant_id", "rep_id", "shared_at"])
    op.create_table(
        "engagement_received",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("content_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_key", sa.String(length=2000), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("person_name", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_engagement_received_item", "engagement_received", ["tenant_id", "content_id", "at"])
    op.create_index("ix_engagement_received_rep", "engagement_received", ["tenant_id", "rep_id", "at"])
    op.create_index("ix_engagement_received_person", "engagement_received", ["tenant_id", "person_key"])
    op.create_index("ix_engagement_received_email", "engagement_received", ["tenant_id", "email_key"])
    op.create_table(
        "engagement_given",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("content_id", sa.String(length=200), nullable=True),
        sa.Column("person_key", sa.String(length=2000), nullable=True),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("person_name", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_engagement_given_rep", "engagement_given", ["tenant_id", "rep_id", "at"])
    op.create_index("ix_engagement_given_person", "engagement_given", ["tenant_id", "person_key"])
    op.create_index("ix_engagement_given_email", "engagement_given", ["tenant_id", "email_key"])
    op.create_table(
        "insight_stakeholder",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("stakeholder_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", sa.String(length=2000), nullable=True),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("seniority", sa.String(length=500), nullable=True),
        sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "stakeholder_id"),
    )
    op.create_index("ix_insight_stakeholder_person", "insight_stakeholder", ["tenant_id", "person_key"])
    op.create_index("ix_insight_stakeholder_email", "insight_stakeholder", ["tenant_id", "email_key"])
    op.create_index("ix_insight_stakeholder_account", "insight_stakeholder", ["tenant_id", "account_id"])
    op.create_table(
        "insight_account",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("industry", sa.String(length=500), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "account_id"),
    )
