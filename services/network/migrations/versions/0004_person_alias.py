"""network: weak (name) keys and the strong key they merge into

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "network_person_alias",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("weak_key", sa.String(length=2000), nullable=False),
        sa.Column("strong_key", sa.String(length=2000), nullable=True),
        sa.Column("ambiguous", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "weak_key"),
    )
    op.create_index("ix_network_person_alias_strong", "network_person_alias", ["tenant_id", "strong_key"])
