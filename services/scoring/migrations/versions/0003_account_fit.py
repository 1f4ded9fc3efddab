"""scoring: the ICP fit of accounts (from insight.account.fit_changed)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("account", sa.Column("icp_fit", sa.Float(), nullable=True))
    op.add_column("account", sa.Column("icp_fit_at", sa.DateTime(timezone=True), nullable=True))
