"""insight: the relay's partial index of the outbox rows still to publish (replaces the index on state)

Revision ID: 0005
Revises: 0004
"""

from rapportkit import platform_tables

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    platform_tables.add_outbox_due_index_v3()
