"""Frozen DDL of the platform tables (outbox, inbox), called from each service's migrations: `create_v1`
from the first, `add_outbox_lane_v2` from the one that brought the lanes, `add_outbox_due_index_v3`
from the one that indexed the rows still to publish; and of a service's person alias table
(rapportkit.aliases): `create_person_alias_v1`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def create_v1() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tenant_id", "event_id", name="uq_outbox_event"),
    )
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.create_table(
        "inbox",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def add_outbox_lane_v2() -> None:
    """The outbox row's lane: `live` (POST /v1/events) or `bulk` (imports), see rapportkit.outbox."""
    op.add_column("outbox", sa.Column("lane", sa.String(8), nullable=False, server_default="live"))


def add_outbox_due_index_v3() -> None:
    """The relay's partial index (rapportkit.outbox.due): the unpublished rows by lane and sequence; it
    replaces the index on `state`, which every insert and every publication also had to update."""
    unpublished = sa.text("state IN ('pending', 'failed')")
    op.create_index("ix_outbox_due", "outbox", ["lane", "seq"], postgresql_where=unpublished,
                    sqlite_where=unpublished)
    op.drop_index("ix_outbox_state", table_name="outbox")


def create_person_alias_v1(table: str) -> None:
    """A service's alias table (weak key → strong key, rapportkit.aliases.PersonAliasColumns)."""
    op.create_table(
        table,
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("weak_key", sa.String(2000), nullable=False),
        sa.Column("strong_key", sa.String(2000), nullable=True),
        sa.Column("ambiguous", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "weak_key"),
    )
    op.create_index(f"ix_{table}_strong", table, ["tenant_id", "strong_key"])
