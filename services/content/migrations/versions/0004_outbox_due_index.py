"""content: the relay's partial index of the outbox rows still to publish (replaces the index on state)

Revision ID: 0004
Revises: 0003
"""

from rapportkit import platform_tables

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    platform_tables.add_outbox_due_index_v3()
