"""Score reads: a rep's score and its history, the leaderboard, a rep's alerts.

Today's score and leaderboard are served from the scorer's materialised scores (current.py);
other days are computed from the facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from rapportkit import access, csv_export
from rapportkit.contracts.scoring import (
    LEADERBOARD_MAX,
    Alert,
    Alerts,
    DayScore,
    Leaderboard,
    LeaderboardLine,
    ScoreHistory,
    ScoreRead,
)
from rapportkit.errors import bad_request, not_found
from rapportkit.params import PathId
from rapportkit.web import IdentityDep, SessionDep
from services.scoring import current
from services.scoring.board import BOARDS
from services.scoring.model import FORMULA_VERSION, Score, compute, in_window
from services.scoring.models import AlertRow, FactRow, RepRow
from services.scoring.queries import context_for, rep_facts, rep_scores, tenant_settings

router = APIRouter()


def today() -> date:
    return datetime.now(UTC).date()


def score_body(rep_id: str, score: Score, window_days: int) -> dict[str, Any]:
    return {"rep_id": rep_id, "date": score.day.isoformat(), "total": score.total, "pillars": score.pillars,
            "factors": [f.as_dict() for f in score.factors], "formula_version": score.formula_version,
            "window_days": window_days}


def known_rep(session: Session, tenant_id: str, rep_id: str) -> bool:
    return bool(session.scalar(select(exists().where(FactRow.tenant_id == tenant_id, FactRow.rep_id == rep_id)))
                or session.get(RepRow, (tenant_id, rep_id)) is not None)


@router.get("/v1/reps/{rep_id}/score", response_model=ScoreRead)
def get_score(rep_id: PathId, identity: IdentityDep, session: SessionDep, date: date | None = None) -> dict[str, Any]:
    access.check_rep(identity, rep_id)
    day = date or today()
    kept = current.rep_score(session, identity.tenant_id, rep_id, day)  # a kept row: the rep is known
    if kept is not None:
        score, settings = kept
        return score_body(rep_id, score, settings.window_days)
    if not known_rep(session, identity.tenant_id, rep_id):
        raise not_found(f"rep {rep_id!r}")
    settings = tenant_settings(session, identity.tenant_id)
    return score_body(rep_id, rep_scores(session, identity.tenant_id, [rep_id], day)[rep_id], settings.window_days)


@router.get("/v1/reps/{rep_id}/score/history", response_model=ScoreHistory, responses=csv_export.CSV_ANSWER)
def get_history(rep_id: PathId, request: Request, identity: IdentityDep, session: SessionDep,
                from_: Annotated[date | None, Query(alias="from")] = None,
                to: date | None = None) -> dict[str, Any] | Response:
    """One line per day; as CSV each day also has every factor's contribution (`contribution.<factor>`)."""
    access.check_rep(identity, rep_id)
    if not known_rep(session, identity.tenant_id, rep_id):
        raise not_found(f"rep {rep_id!r}")
    last = to or today()
    first = from_ or last - timedelta(days=89)
    if first > last:
        raise bad_request(["query", "from"], "must not be after `to`")
    if (last - first).days > 366:
        raise bad_request(["query", "from"], "at most 367 days per request")
    settings = tenant_settings(session, identity.tenant_id)
    facts = rep_facts(session, identity.tenant_id, rep_id, first - timedelta(days=settings.window_days - 1), last)
    ctx = context_for(session, identity.tenant_id, rep_id, facts)
    scores = [compute(in_window(facts, day, settings.window_days), ctx, day, settings)
              for day in (first + timedelta(days=offset) for offset in range((last - first).days + 1))]
    series = [{"date": score.day.isoformat(), "total": score.total, "pillars": score.pillars} for score in scores]
    if csv_export.wants_csv(request):
        factors = list(dict.fromkeys(f.name for score in scores for f in score.factors))
        rows = [{**line, "contribution": {f.name: f.contribution for f in score.factors}}
                for line, score in zip(series, scores, strict=True)]
        return csv_export.response(rows, [*csv_export.columns(DayScore), *(("contribution", f) for f in factors)],
                                   filename=f"score-history-{rep_id}.csv")
    return {"rep_id": rep_id, "from": first.isoformat(), "to": last.isoformat(),
            "formula_version": FORMULA_VERSION, "series": series}


@router.get("/v1/leaderboard", response_model=Leaderboard, responses=csv_export.CSV_ANSWER)
def get_leaderboard(request: Request, identity: IdentityDep, session: SessionDep, team_id: str | None = None,
                    date: date | None = None,
                    limit: Annotated[int, Query(ge=1, le=LEADERBOARD_MAX)] = 50) -> dict[str, Any] | Response:
    """Reps ranked by total (of a team, when given). A manager's reps are ranked among themselves
    (`total_reps` is theirs); a rep sees its own line, ranked among all (`total_reps` is everyone);
    `limit` applies after that. As CSV: every line in reach, `limit` aside."""
    as_csv = csv_export.wants_csv(request)
    access.check_team(identity, team_id)
    day = date or today()
    tenant = identity.tenant_id
    settings = tenant_settings(session, tenant)
    board = current.board_of(session, tenant, day, settings)  # today's, kept by the scorer
    entries = (current.board_entries(session, tenant, board, settings) if board is not None
               else BOARDS.scores(session, tenant, day, settings))
    if team_id is not None:
        team = set(session.scalars(select(RepRow.rep_id).where(RepRow.tenant_id == tenant, RepRow.team_id == team_id)))
        entries = {rep: e for rep, e in entries.items() if rep in team}
    if identity.role != "rep":  # a manager is ranked within its reach; a rep among everyone
        entries = {rep: e for rep, e in entries.items() if access.sees_rep(identity, rep)}
    ranked = [(position, rep, e) for position, (rep, e) in enumerate(
        sorted(entries.items(), key=lambda item: (-item[1].total, item[0])), start=1)]
    top = [line for line in ranked if access.sees_rep(identity, line[1])][:None if as_csv else limit]
    names = {r.rep_id: (r.name, r.team_id) for r in session.execute(
        select(RepRow.rep_id, RepRow.name, RepRow.team_id).where(RepRow.tenant_id == tenant,
                                                                 RepRow.rep_id.in_([rep for _, rep, _ in top])))}
    listed = [{"rep_id": rep, "name": names.get(rep, (None, None))[0], "team_id": names.get(rep, (None, None))[1],
               "total": e.total, "pillars": e.pillars, "rank": position}
              for position, rep, e in top]
    if as_csv:
        return csv_export.response(listed, csv_export.columns(LeaderboardLine), filename=f"leaderboard-{day}.csv")
    return {"date": day.isoformat(), "team_id": team_id, "window_days": settings.window_days,
            "reps": listed, "total_reps": len(ranked)}


@router.get("/v1/reps/{rep_id}/alerts", response_model=Alerts, responses=csv_export.CSV_ANSWER)
def get_alerts(rep_id: PathId, request: Request, identity: IdentityDep, session: SessionDep,
               kind: str | None = None) -> dict[str, Any] | Response:
    access.check_rep(identity, rep_id)
    if not known_rep(session, identity.tenant_id, rep_id):
        raise not_found(f"rep {rep_id!r}")
    stmt = select(AlertRow).where(AlertRow.tenant_id == identity.tenant_id, AlertRow.rep_id == rep_id)
    if kind:
        stmt = stmt.where(AlertRow.kind == kind)
    alerts = [{"kind": a.kind, "date": a.day.isoformat(), "evidence": a.evidence,
               "raised_at": a.raised_at.isoformat()} for a in session.scalars(stmt.order_by(
                   AlertRow.day.desc(), AlertRow.kind, AlertRow.occurrence))]  # a replay lists them alike
    if csv_export.wants_csv(request):
        return csv_export.response(alerts, csv_export.columns(Alert), filename=f"alerts-{rep_id}.csv")
    return {"rep_id": rep_id, "alerts": alerts}
