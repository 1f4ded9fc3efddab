"""Insight state: rep research activity (accounts, stakeholders and signals come with their issue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rapportkit.db import Base


class ProfileView(Base):
    __tablename__ = "profile_view"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[str] = mapped_column(String(200))
    rep_id: Mapped[str] = mapped_column(String(200))
    person_key: Mapped[str] = mapped_column(String(2000))
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
