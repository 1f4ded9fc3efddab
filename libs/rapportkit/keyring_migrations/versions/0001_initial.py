"""keyring: tenant lookup secrets and the keys (rapportkit.keyring)

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "keyring_tenant",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("secret", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "keyring_key",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("lookup", sa.String(64), nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "lookup", name="uq_keyring_lookup"),
    )
    op.create_table(
        "keyring_link",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("lookup", sa.String(64), primary_key=True),
        sa.Column("other", sa.String(64), primary_key=True),
    )
