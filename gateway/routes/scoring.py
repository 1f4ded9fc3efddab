"""Public routes owned by the scoring service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from gateway.access import UPSTREAM_LIST_MAX
from gateway.forward import forward

router = APIRouter(tags=["scoring"])

forward(router, "scoring", "GET", "/v1/reps/{rep_id}/score", "A rep's score for a day (default today)", date=date)
forward(router, "scoring", "GET", "/v1/reps/{rep_id}/score/history", "A rep's daily scores (default 90 days)",
        from_=date, to=date)
forward(router, "scoring", "GET", "/v1/leaderboard", "Reps ranked by total score", team_id=str, date=date,
        limit=Annotated[int, Query(ge=1, le=UPSTREAM_LIST_MAX)])
forward(router, "scoring", "GET", "/v1/reps/{rep_id}/alerts", "A rep's dark-side alerts with evidence", kind=str)
forward(router, "scoring", "GET", "/v1/reports/outcomes", "Outcomes by rep or team",
        group_by=Literal["rep", "team"], from_=date, to=date)
forward(router, "scoring", "GET", "/v1/reports/evidence", "Rank correlation of pillars with outcomes", date=date)
forward(router, "scoring", "GET", "/v1/accounts/{account_id}/recommendation",
        "An account's contingency quadrant and recommended approach")
forward(router, "scoring", "GET", "/v1/settings/scoring", "The tenant's scoring settings")
forward(router, "scoring", "PUT", "/v1/settings/scoring", "Change the tenant's scoring settings (admin)",
        body=dict[str, Any])
