"""accounts, stakeholders, signals, notes, follows and per-tenant settings

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(200), primary_key=True),
        sa.Column("known", sa.Boolean, nullable=False),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("industry", sa.String(500), nullable=True),
        sa.Column("employees", sa.Integer, nullable=True),
        sa.Column("region", sa.String(500), nullable=True),
        sa.Column("revenue", sa.Float, nullable=True),
        sa.Column("upserted_at", TS, nullable=True),
        sa.Column("icp_fit", sa.Float, nullable=True),
        sa.Column("icp_reasons", sa.JSON, nullable=False),
        sa.Column("icp_version", sa.Integer, nullable=True),
        sa.Column("active_stakeholders", sa.Integer, nullable=False),
        sa.Column("customer_status", sa.String(8), nullable=True),
        sa.Column("centre_size", sa.String(8), nullable=True),
        sa.Column("quadrant", sa.String(40), nullable=True),
        sa.Column("quadrant_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_account_tenant_quadrant", "account", ["tenant_id", "quadrant"])
    op.create_index("ix_account_tenant_fit", "account", ["tenant_id", "icp_fit"])

    op.create_table(
        "stakeholder",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("stakeholder_id", sa.String(200), primary_key=True),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("person_key", sa.String(2000), nullable=True),
        sa.Column("profile_url", sa.String(2000), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("name", sa.String(500), nullable=True),
        sa.Column("title", sa.String(500), nullable=True),
        sa.Column("company", sa.String(500), nullable=True),
        sa.Column("role", sa.String(32), nullable=True),
        sa.Column("seniority", sa.String(500), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("identified_at", TS, nullable=True),
        sa.Column("departed_at", TS, nullable=True),
        sa.Column("changed_at", TS, nullable=True),
        sa.Column("erased_at", TS, nullable=True),
    )
    op.create_index("ix_stakeholder_tenant_account", "stakeholder", ["tenant_id", "account_id"])

    op.create_table(
        "signal",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("signal_id", sa.String(200), primary_key=True),
        sa.Column("captured", sa.Boolean, nullable=False),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("strength", sa.Float, nullable=True),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("account_id", sa.String(200), nullable=True),
        sa.Column("person_key", sa.String(2000), nullable=True),
        sa.Column("person", sa.JSON, nullable=True),
        sa.Column("captured_by", sa.String(200), nullable=True),
        sa.Column("captured_at", TS, nullable=True),
        sa.Column("capture_event_at", TS, nullable=True),
        sa.Column("first_action_at", TS, nullable=True),
        sa.Column("actioned_by", sa.String(200), nullable=True),
        sa.Column("action", sa.String(500), nullable=True),
        sa.Column("actions", sa.Integer, nullable=False),
        sa.Column("latency_hours", sa.Float, nullable=True),
    )
    op.create_index("ix_signal_tenant_captured", "signal", ["tenant_id", "captured_at"])
    op.create_index("ix_signal_tenant_account", "signal", ["tenant_id", "account_id"])

    op.create_table(
        "signal_action",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("signal_id", sa.String(200), nullable=False),
        sa.Column("rep_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(500), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_signal_action_signal", "signal_action", ["tenant_id", "signal_id"])

    op.create_table(
        "note",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("rep_id", sa.String(200), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("person_key", sa.String(2000), nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("redacted_at", TS, nullable=True),
    )
    op.create_index("ix_note_tenant_account", "note", ["tenant_id", "account_id"])

    op.create_table(
        "account_follow",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("rep_id", sa.String(200), nullable=False),
        sa.Column("company", sa.String(500), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=True),
        sa.Column("followed_at", TS, nullable=False),
    )
    op.create_index("ix_account_follow_tenant_account", "account_follow", ["tenant_id", "account_id"])

    op.create_table(
        "tenant_setting",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
