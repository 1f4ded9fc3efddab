"""network: weak (name) keys and the strong key they merge into

Revision ID: 0005
Revises: 0004
"""

from rapportkit import platform_tables

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    platform_tables.create_person_alias_v1("network_person_alias")
