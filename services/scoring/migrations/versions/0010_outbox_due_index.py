"""scoring: the relay's partial index of the outbox rows still to publish (replaces the index on state)

Revision ID: 0010
Revises: 0009
"""

from rapportkit import platform_tables

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    platform_tables.add_outbox_due_index_v3()
