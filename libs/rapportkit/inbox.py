"""Inbox: the event ids a consumer has applied, written in the handler's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from rapportkit.db import Base, insert_ignore, insert_many, table_of
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
    now = utcnow()
    unique = list({(t, i): (t, i, ty) for t, i, ty in events}.values())
    rows = [{"tenant_id": t, "event_id": i, "event_type": ty, "processed_at": now} for t, i, ty in unique]
    return {(t, i) for t, i in insert_many(session, table_of(InboxRow), rows, conflict=["tenant_id", "event_id"],
                                           returning=["tenant_id", "event_id"])}
