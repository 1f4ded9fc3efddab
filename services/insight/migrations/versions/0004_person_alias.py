"""insight: weak (name) keys and the strong key they merge into

Revision ID: 0004
Revises: 0003
"""

from rapportkit import platform_tables

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    platform_tables.create_person_alias_v1("person_alias")
