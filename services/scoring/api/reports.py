"""Reports: outcomes by rep or team, and the evidence (pillars × outcomes across reps)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rapportkit import access, csv_export
from rapportkit.contracts.scoring import Evidence, Outcomes, RepOutcomes, TeamOutcomes
from rapportkit.errors import bad_request
from rapportkit.web import IdentityDep, SessionDep
from services.scoring.api.scores import today
from services.scoring.evidence import evidence_report
from services.scoring.outcomes import outcomes_report
from services.scoring.queries import rep_scores, tenant_settings

router = APIRouter()


def bound(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


@router.get("/v1/reports/outcomes", response_model=Outcomes, responses=csv_export.CSV_ANSWER)
def get_outcomes(request: Request, identity: IdentityDep, session: SessionDep,
                 group_by: Literal["rep", "team"] = "rep",
                 from_: Annotated[date | None, Query(alias="from")] = None,
                 to: date | None = None) -> dict[str, Any] | Response:
    """Groups by rep or team: a rep sees its own group (by rep only), a manager its reps or teams."""
    if identity.role == "rep" and group_by != "rep":
        raise access.forbidden("a rep key reads outcomes grouped by rep (its own) only", ("query", "group_by"))
    if from_ and to and from_ > to:
        raise bad_request(["query", "from"], "must not be after `to`")
    settings = tenant_settings(session, identity.tenant_id)
    rows = outcomes_report(session, tenant_id=identity.tenant_id, group_by=group_by, start=bound(from_),
                           end=bound(to + timedelta(days=1)) if to else None,
                           attribution_window_days=settings.attribution_window_days)
    sees = access.sees_rep if group_by == "rep" else access.sees_team
    groups = [row for row in rows if sees(identity, row[f"{group_by}_id"])]
    if csv_export.wants_csv(request):
        model = RepOutcomes if group_by == "rep" else TeamOutcomes
        cols = csv_export.columns(model)
        cols.insert(0, cols.pop())  # the group's id first
        return csv_export.response(groups, cols, filename=f"outcomes-by-{group_by}.csv")
    return {"group_by": group_by, "from": from_.isoformat() if from_ else None, "to": to.isoformat() if to else None,
            "attribution_window_days": settings.attribution_window_days, "groups": groups}


@router.get("/v1/reports/evidence", response_model=Evidence)
def get_evidence(identity: IdentityDep, session: SessionDep, date: date | None = None) -> dict[str, Any]:
    access.require(identity, access.ANALYSTS, "read the evidence report")
    day = date or today()
    settings = tenant_settings(session, identity.tenant_id)
    outcomes = {r["rep_id"]: r for r in outcomes_report(
        session, tenant_id=identity.tenant_id, group_by="rep", start=None, end=None,
        attribution_window_days=settings.attribution_window_days)}
    scores = rep_scores(session, identity.tenant_id, [rep for rep, o in outcomes.items() if o["win_rate"] is not None],
                        day)
    return {"date": day.isoformat(), **evidence_report(scores, outcomes)}
