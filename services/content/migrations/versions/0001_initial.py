"""initial: platform tables

Revision ID: 0001
"""

from rapportkit import platform_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    platform_tables.create_v1()
