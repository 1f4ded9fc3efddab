"""scoring: weak (name) keys and the strong key they merge into

Revision ID: 0008
Revises: 0007
"""

from rapportkit import platform_tables

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    platform_tables.create_person_alias_v1("person_alias")
