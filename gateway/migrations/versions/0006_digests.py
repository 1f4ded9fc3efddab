"""gateway: e-mail digest subscriptions and their deliveries (one row per subscription and period)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "digest_subscription",
        sa.Column("tenant_id", sa.String(length=64), primary_key=True),
        sa.Column("subscription_id", sa.String(length=200), primary_key=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("cadence", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.Column("rep_id", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "digest_delivery",
        sa.Column("tenant_id", sa.String(length=64), primary_key=True),
        sa.Column("subscription_id", sa.String(length=200), primary_key=True),
        sa.Column("period", sa.String(length=80), primary_key=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_digest_delivery_due", "digest_delivery", ["status", "next_attempt_at"])
