"""network state: connections, messages, meetings, person events; accounts, stakeholders and reps
read from other services' events

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

KEY = sa.String(length=2000)


def upgrade() -> None:
    op.create_table(
        "network_connection",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", KEY, nullable=False),
        sa.Column("person", sa.JSON(), nullable=True),
        sa.Column("person_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=True),
        sa.Column("first_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "rep_id", "person_key"),
    )
    op.create_index("ix_network_connection_person", "network_connection", ["tenant_id", "person_key"])
    op.create_table(
        "network_message",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", KEY, nullable=False),
        sa.Column("outbound", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("length", sa.Integer(), nullable=True),
        sa.Column("is_pitch", sa.Boolean(), nullable=False),
        sa.Column("pitch_score", sa.Float(), nullable=True),
        sa.Column("pitch_rules", sa.JSON(), nullable=True),
        sa.Column("minutes_since_accepted", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "event_id", name="uq_network_message_event"),
    )
    op.create_index("ix_network_message_rep", "network_message", ["tenant_id", "rep_id", "at"])
    op.create_index("ix_network_message_person", "network_message", ["tenant_id", "person_key"])
    op.create_table(
        "network_meeting",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.String(length=200), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_key", KEY, nullable=True),
        sa.Column("person", sa.JSON(), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "meeting_id"),
    )
    op.create_index("ix_network_meeting_rep", "network_meeting", ["tenant_id", "rep_id"])
    op.create_index("ix_network_meeting_person", "network_meeting", ["tenant_id", "person_key"])
    op.create_table(
        "network_person_event",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", KEY, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "event_id"),
    )
    op.create_index("ix_network_person_event_person", "network_person_event", ["tenant_id", "person_key"])
    op.create_table(
        "network_account",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "account_id"),
    )
    op.create_table(
        "network_stakeholder",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("stakeholder_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", KEY, nullable=True),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("seniority", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "stakeholder_id"),
    )
    op.create_index("ix_network_stakeholder_person", "network_stakeholder", ["tenant_id", "person_key"])
    op.create_index("ix_network_stakeholder_account", "network_stakeholder", ["tenant_id", "account_id"])
    op.create_table(
        "network_rep",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("rep_id", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.String(length=200), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "rep_id"),
    )


def downgrade() -> None:
    for table in ("network_rep", "network_stakeholder", "network_account", "network_person_event",
                  "network_meeting", "network_message", "network_connection"):
        op.drop_table(table)
