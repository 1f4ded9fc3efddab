"""Public routes owned by the scoring service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.forward import forward
from rapportkit.contracts.scoring import (
    LEADERBOARD_MAX,
    Alerts,
    Evidence,
    Leaderboard,
    Outcomes,
    Recommendation,
    ScoreHistory,
    ScoreRead,
    ScoringSettingsRead,
)
from rapportkit.csv_export import CSV_ANSWER
from rapportkit.params import PathId

router = APIRouter(tags=["scoring"])

FromQuery = Annotated[date | None, Query(alias="from")]


@router.get("/v1/reps/{rep_id}/score", response_model=ScoreRead, summary="A rep's score for a day (default today)")
async def rep_score(request: Request, caller: CallerDep, rep_id: PathId, date: date | None = None) -> Response:
    return await forward("scoring", request, caller)


@router.get("/v1/reps/{rep_id}/score/history", response_model=ScoreHistory,
            responses=CSV_ANSWER,
            summary="A rep's daily scores (default 90 days)")
async def rep_score_history(request: Request, caller: CallerDep, rep_id: PathId, from_: FromQuery = None,
                            to: date | None = None) -> Response:
    return await forward("scoring", request, caller)


@router.get("/v1/leaderboard", response_model=Leaderboard, responses=CSV_ANSWER,
            summary="Reps ranked by total score")
async def leaderboard(request: Request, caller: CallerDep, team_id: str | None = None, date: date | None = None,
                      limit: Annotated[int | None, Query(ge=1, le=LEADERBOARD_MAX)] = None) -> Response:
    return await forward("scoring", request, caller)


@router.get("/v1/reps/{rep_id}/alerts", response_model=Alerts, responses=CSV_ANSWER,
            summary="A rep's dark-side alerts with evidence")
async def rep_alerts(request: Request, caller: CallerDep, rep_id: PathId, kind: str | None = None) -> Response:
    return await forward("scoring", request, caller)


@router.get("/v1/reports/outcomes", response_model=Outcomes, responses=CSV_ANSWER,
            summary="Outcomes by rep or team")
async def outcomes(request: Request, caller: CallerDep, group_by: Literal["rep", "team"] | None = None,
                   from_: FromQuery = None, to: date | None = None) -> Response:
    return await forward("scoring", request, caller)


@router.get("/v1/reports/evidence", response_model=Evidence, summary="Rank correlation of pillars with outcomes")
async def evidence(request: Request, caller: CallerDep, date: date | None = None) -> Response:
    return await forward("scoring", request, caller)


@router.get("/v1/accounts/{account_id}/recommendation", response_model=Recommendation,
            summary="An account's contingency quadrant and recommended approach")
async def account_recommendation(request: Request, caller: CallerDep, account_id: PathId) -> Response:
    return await forward("scoring", request, caller)


@router.get("/v1/settings/scoring", response_model=ScoringSettingsRead, summary="The tenant's scoring settings")
async def get_scoring_settings(request: Request, caller: CallerDep) -> Response:
    return await forward("scoring", request, caller)


@router.put("/v1/settings/scoring", response_model=ScoringSettingsRead,
            summary="Change the tenant's scoring settings (admin)")
async def put_scoring_settings(request: Request, caller: CallerDep, body: dict[str, Any]) -> Response:
    return await forward("scoring", request, caller)
