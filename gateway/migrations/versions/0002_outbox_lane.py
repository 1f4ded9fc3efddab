"""gateway: the outbox row's lane (live or bulk)

Revision ID: 0002
Revises: 0001
"""

from rapportkit import platform_tables

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    platform_tables.add_outbox_lane_v2()
