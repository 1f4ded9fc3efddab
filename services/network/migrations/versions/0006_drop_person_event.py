"""network: drop the person-event index (it only served scrubbing outbox copies, which are sealed now)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.drop_index("ix_network_person_event_person", table_name="network_person_event")
    op.drop_table("network_person_event")


def downgrade() -> None:
    op.create_table(
        "network_person_event",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "event_id"),
    )
    op.create_index("ix_network_person_event_person", "network_person_event", ["tenant_id", "person_key"])
