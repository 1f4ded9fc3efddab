"""initial: platform tables and daily activity

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
        "rep_activity_day",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("rep_id", sa.String(200), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("pillar", sa.String(16), primary_key=True),
        sa.Column("events", sa.Integer, nullable=False),
    )
