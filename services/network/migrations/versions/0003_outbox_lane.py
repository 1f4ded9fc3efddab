"""network: the outbox row's lane (live or bulk)

Revision ID: 0003
Revises: 0002
"""

from rapportkit import platform_tables

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    platform_tables.add_outbox_lane_v2()
