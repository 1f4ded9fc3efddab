"""network: the relay's partial index of the outbox rows still to publish (replaces the index on state)

Revision ID: 0008
Revises: 0007
"""

from rapportkit import platform_tables

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    platform_tables.add_outbox_due_index_v3()
