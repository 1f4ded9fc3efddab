"""scoring: materialised current scores (current_score, board) and the lane of a dirty day

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "current_score",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("pillars", sa.JSON(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("context_version", sa.Integer(), nullable=False),
        sa.Column("settings_digest", sa.String(length=40), nullable=False),
        sa.Column("formula_version", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "rep_id"),
    )
    op.create_table(
        "board",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("context_version", sa.Integer(), nullable=False),
        sa.Column("settings_digest", sa.String(length=40), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id"),
    )
    op.add_column("dirty_day", sa.Column("lane", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_dirty_day_lane", "dirty_day", ["lane"])
