"""network: the team relationship map (stakeholder person, engagements, per-tenant settings)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("network_stakeholder", sa.Column("person", sa.JSON(), nullable=True))
    op.create_table(
        "network_engagement",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "event_id", name="uq_network_engagement_event"),
    )
    op.create_index("ix_network_engagement_person", "network_engagement", ["tenant_id", "person_key"])
    op.create_table(
        "network_setting",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "kind"),
    )


def downgrade() -> None:
    op.drop_table("network_setting")
    op.drop_index("ix_network_engagement_person", table_name="network_engagement")
    op.drop_table("network_engagement")
    op.drop_column("network_stakeholder", "person")
