"""scoring read models: facts, buying centres, outcomes, alerts, published scores, settings

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.drop_table("rep_activity_day")  # the walking skeleton's placeholder
    op.create_table(
        "account",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("quadrant", sa.String(length=40), nullable=True),
        sa.Column("quadrant_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recommendation", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "account_id"),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurrence", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "rep_id", "kind", "occurrence", name="uq_alert"),
    )
    op.create_table(
        "content_item",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "content_id"),
    )
    op.create_table(
        "dirty_day",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "rep_id", "day"),
    )
    op.create_table(
        "fact",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person", sa.String(length=2000), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("flag", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fact_person", "fact", ["tenant_id", "person"], unique=False)
    op.create_index("ix_fact_rep_at", "fact", ["tenant_id", "rep_id", "at"], unique=False)
    op.create_table(
        "lead",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("qualified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "lead_id"),
    )
    op.create_table(
        "opportunity",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("stage", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("won", sa.Boolean(), nullable=True),
        sa.Column("won_amount", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "opportunity_id"),
    )
    op.create_table(
        "opportunity_stage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_opportunity_stage_tenant_id"), "opportunity_stage", ["tenant_id"], unique=False)
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_referral_tenant_id"), "referral", ["tenant_id"], unique=False)
    op.create_table(
        "rep",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "rep_id"),
    )
    op.create_table(
        "score",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("pillars", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "rep_id", "day"),
    )
    op.create_table(
        "signal",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("signal_id", sa.String(length=200), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "signal_id"),
    )
    op.create_table(
        "stakeholder",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("stakeholder_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("person", sa.String(length=2000), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "stakeholder_id"),
    )
    op.create_index("ix_stakeholder_account", "stakeholder", ["tenant_id", "account_id"], unique=False)
    op.create_index("ix_stakeholder_person", "stakeholder", ["tenant_id", "person"], unique=False)
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
