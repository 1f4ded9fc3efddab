"""scoring: a partial index of the accepted connections among the facts (the scorer reads every rep's of all
time at each pass; it read every fact the reps ever had to find them)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    accepted = sa.text("kind = 'conn_accepted'")
    op.create_index("ix_fact_accepted", "fact", ["tenant_id", "rep_id", "person", "at"], postgresql_where=accepted,
                    sqlite_where=accepted)
