"""scoring: the outbox row's lane (live or bulk)

Revision ID: 0006
Revises: 0005
"""

from rapportkit import platform_tables

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    platform_tables.add_outbox_lane_v2()
