"""scoring: the scorer claims dirty days for a while instead of locking them for its whole pass

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.add_column("dirty_day", sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("dirty_day", sa.Column("claimed_until", sa.Float(), nullable=True))
