"""scoring: dirty days are scored oldest first within their lane (dirty_day.marked_at)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("dirty_day", sa.Column("marked_at", sa.Float(), nullable=False, server_default="0"))
    op.drop_index("ix_dirty_day_lane", table_name="dirty_day")
    op.create_index("ix_dirty_day_lane_marked", "dirty_day", ["lane", "marked_at"])

