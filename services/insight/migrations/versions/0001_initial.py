"""initial: platform tables and rep research

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from rapportkit import platform_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    platform_tables.create_v1()
    op.create_table(
        "profile_view",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("rep_id", sa.String(200), nullable=False),
        sa.Column("person_key", sa.String(2000), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
    )
