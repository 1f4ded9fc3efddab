"""gateway: the relay's partial index of the outbox rows still to publish (replaces the index on state)

Revision ID: 0007
Revises: 0006
"""

from rapportkit import platform_tables

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    platform_tables.add_outbox_due_index_v3()
