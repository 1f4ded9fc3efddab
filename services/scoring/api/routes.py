"""Scoring reads (walking skeleton: a placeholder score from activity counts)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select

from rapportkit.errors import not_found
from rapportkit.web import IdentityDep, SessionDep
from services.scoring.models import RepActivityDay

router = APIRouter()
WINDOW_DAYS = 30
FORMULA_VERSION = "0-placeholder"


@router.get("/v1/reps/{rep_id}/score")
def rep_score(rep_id: str, identity: IdentityDep, session: SessionDep,
              date: date | None = None) -> dict[str, Any]:
    """Placeholder: each pillar is its activity count over the window, capped at 25."""
    day = date or _today()
    rows = session.execute(
        select(RepActivityDay.pillar, func.sum(RepActivityDay.events))
        .where(RepActivityDay.tenant_id == identity.tenant_id, RepActivityDay.rep_id == rep_id,
               RepActivityDay.day > day - timedelta(days=WINDOW_DAYS), RepActivityDay.day <= day)
        .group_by(RepActivityDay.pillar)).all()
    if not rows:
        raise not_found(f"score of rep {rep_id!r}")
    counts = {pillar: int(n) for pillar, n in rows}
    pillars = {p: float(min(25, counts.get(p, 0))) for p in ("insight", "connect", "engage", "brand")}
    return {"rep_id": rep_id, "date": day.isoformat(), "total": sum(pillars.values()), "pillars": pillars,
            "factors": [{"pillar": p, "name": "activity_count", "raw": counts.get(p, 0), "weight": 1.0,
                         "contribution": pillars[p]} for p in pillars],
            "formula_version": FORMULA_VERSION, "window_days": WINDOW_DAYS}


def _today() -> date:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()
