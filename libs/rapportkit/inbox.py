"""Inbox: the event ids a consumer has applied, written in the handler's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from rapportkit.db import Base, dialect_insert, insert_ignore, table_of
from rapportkit.outbox import utcnow


class InboxRow(Base):
    __tablename__ = "inbox"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def claim(session: Session, tenant_id: str, event_id: str, event_type: str) -> bool:
    """Record the event as applied; False when it already was (the caller then skips it)."""
    values = {"tenant_id": tenant_id, "event_id": event_id, "event_type": event_type, "processed_at": utcnow()}
    return insert_ignore(session, InboxRow, values, keys=["tenant_id", "event_id"])


def claim_many(session: Session, events: list[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """Claim many (tenant_id, event_id, event_type) at once; returns the (tenant, id) pairs that were new."""
    if not events:
        return set()
    insert = dialect_insert(session)
    now = utcnow()
    unique = list({(t, i): (t, i, ty) for t, i, ty in events}.values())
    fresh: set[tuple[str, str]] = set()
    for start in range(0, len(unique), 500):
        rows = [{"tenant_id": t, "event_id": i, "event_type": ty, "processed_at": now}
                for t, i, ty in unique[start:start + 500]]
        stmt = (insert(table_of(InboxRow)).values(rows)
                .on_conflict_do_nothing(index_elements=["tenant_id", "event_id"])
                .returning(InboxRow.tenant_id, InboxRow.event_id))
        fresh.update((t, i) for t, i in session.execute(stmt))
    return fresh
