"""Materialised current scores: every rep's score of today, kept by the scorer, served by the reads.

Scoring 10k reps from a million facts takes seconds, so no read does it. The scorer (scorer.py)
keeps one `current_score` row per rep with facts in today's window, with the total, the pillars
and every factor, stamped with what it was computed from:
- `version`: the tenant version (models.TenantVersionRow) read before the rep's facts, so a rep
  whose facts changed since (models.RepVersionRow.version > version) is known to be behind;
- `context_version`, `settings_digest` and `formula_version`: the context, settings and formula.

Whenever the consumer marks a rep's day dirty and that day is in today's window, the scorer
recomputes the rep's row. The whole board is rebuilt, in chunks between which dirty days go
first, when the day rolls over, when the settings change, and when the tenant's context changes
(buying centres, accounts, signals, content owners, an erasure) — at most once per
`CONTEXT_REBUILD_SECONDS` for the context. `board` records the day, versions and settings of the
last complete build.

Reads of today:
- a rep's score: the row when it is exactly current, else computed from the facts (one rep: a
  few milliseconds). Explanations stay exact either way;
- the leaderboard: the rows, with the reps whose facts changed since their row scored again at
  read time (normally the few the scorer has not reached yet). A change of context shows once the
  rebuild it started is done (seconds at 10k reps); docs/scoring.md says so.
Other days are computed (services/scoring/board.py keeps those boards per process).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rapportkit import jsonutil
from rapportkit.db import among, dialect_insert, table_of, utc
from services.scoring.board import Entry
from services.scoring.model import FORMULA_VERSION, FactorValue, Score
from services.scoring.models import BoardRow, CurrentScoreRow, RepVersionRow, TenantSettingsRow, TenantVersionRow
from services.scoring.queries import scores_of, settings_from, settings_of, window_facts
from services.scoring.settings import ScoringSettings

CONTEXT_REBUILD_SECONDS = 5.0  # a context change rebuilds the board at most this often


def settings_digest(settings: ScoringSettings) -> str:
    return hashlib.sha1(jsonutil.dumps(asdict(settings))).hexdigest()


@dataclass(frozen=True)
class Versions:
    version: int
    context_version: int


def versions(session: Session, tenant_id: str) -> Versions:
    row = session.get(TenantVersionRow, tenant_id)
    return Versions(row.version, row.context_version) if row else Versions(0, 0)


def versions_and_settings(session: Session, tenant_id: str) -> tuple[Versions, ScoringSettings]:
    """`versions` and the tenant's settings, read by one statement (a round trip less per scorer pass)."""
    def of(column: Any, key: Any) -> Any:
        return select(column).where(key == tenant_id).scalar_subquery()

    version, context_version, stored = session.execute(select(
        of(TenantVersionRow.version, TenantVersionRow.tenant_id),
        of(TenantVersionRow.context_version, TenantVersionRow.tenant_id),
        of(TenantSettingsRow.settings, TenantSettingsRow.tenant_id))).one()
    stamp = Versions(version, context_version) if version is not None else Versions(0, 0)
    return stamp, settings_from(stored)


def tenant_alive(session: Session, tenant_id: str) -> bool:
    """Whether the tenant still has its version row (a tenant deletion removes it first). On
    PostgreSQL the row is locked FOR SHARE until the caller commits, so a deletion waits for a
    build step under way, and its later statements delete what that step wrote."""
    stmt = select(TenantVersionRow.tenant_id).where(TenantVersionRow.tenant_id == tenant_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=True)
    return session.scalar(stmt) is not None


def keep(session: Session, tenant_id: str, scores: Mapping[str, Score], stamp: Versions,
         settings: ScoringSettings) -> None:
    """Upsert the rows of `scores` (rep → today's score), unless a row computed from later facts
    is already there (two scorers side by side cannot put an older score back). One statement of
    one row, executed for many (its text never changes: compiled and parsed once per process, where
    a VALUES list was compiled and parsed anew for every batch)."""
    if not scores:
        return
    digest = settings_digest(settings)
    insert = dialect_insert(session)
    rows = [{"tenant_id": tenant_id, "rep_id": rep, "day": s.day, "total": s.total, "pillars": s.pillars,
             "factors": [f.as_dict() for f in s.factors], "version": stamp.version,
             "context_version": stamp.context_version, "settings_digest": digest,
             "formula_version": s.formula_version} for rep, s in sorted(scores.items())]
    table = table_of(CurrentScoreRow)
    stmt = insert(table)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["tenant_id", "rep_id"],
        set_={c: stmt.excluded[c] for c in ("day", "total", "pillars", "factors", "version", "context_version",
                                            "settings_digest", "formula_version")},
        where=table.c.version <= stmt.excluded.version), rows)


def score_reps(session: Session, tenant_id: str, reps: Iterable[str], day: date,
               settings: ScoringSettings) -> tuple[dict[str, Score], set[str]]:
    """Today's scores of `reps` that have facts in the window, and the reps that have none."""
    wanted = sorted(set(reps))
    windows = window_facts(session, tenant_id, day, settings, wanted)
    return scores_of(session, tenant_id, day, settings, windows), set(wanted) - set(windows)


def drop(session: Session, tenant_id: str, reps: Iterable[str]) -> None:
    """Remove the rows of reps that have no facts in today's window any more."""
    gone = sorted(set(reps))
    for start in range(0, len(gone), 500):
        session.execute(delete(CurrentScoreRow).where(CurrentScoreRow.tenant_id == tenant_id,
                                                      among(session, CurrentScoreRow.rep_id, gone[start:start + 500])))


def finish_build(session: Session, tenant_id: str, day: date, stamp: Versions, settings: ScoringSettings) -> None:
    """Record a complete build of the board of `day`, and drop the rows of other days."""
    session.execute(delete(CurrentScoreRow).where(CurrentScoreRow.tenant_id == tenant_id,
                                                  CurrentScoreRow.day != day))
    board = session.get(BoardRow, tenant_id) or BoardRow(tenant_id=tenant_id)
    board.day, board.version, board.context_version = day, stamp.version, stamp.context_version
    board.settings_digest, board.built_at = settings_digest(settings), datetime.now(UTC)
    session.add(board)


def board_of(session: Session, tenant_id: str, day: date, settings: ScoringSettings) -> BoardRow | None:
    """The tenant's built board when it is of `day` and of these settings, else None."""
    board = session.get(BoardRow, tenant_id)
    if board is None or board.day != day or board.settings_digest != settings_digest(settings):
        return None
    return board


def rep_score(session: Session, tenant_id: str, rep_id: str, day: date) -> tuple[Score, ScoringSettings] | None:
    """The rep's materialised score of `day` with the tenant's settings, when it is exactly what the
    facts give now, else None. One statement: the row, the tenant's context version, the rep's
    version and the settings together (five ORM reads cost a score read most of its time)."""
    row = session.execute(
        select(CurrentScoreRow.day, CurrentScoreRow.total, CurrentScoreRow.pillars, CurrentScoreRow.factors,
               CurrentScoreRow.formula_version, CurrentScoreRow.settings_digest, CurrentScoreRow.version,
               CurrentScoreRow.context_version, TenantVersionRow.context_version, RepVersionRow.version,
               TenantSettingsRow.settings)
        .select_from(CurrentScoreRow)
        .outerjoin(TenantVersionRow, TenantVersionRow.tenant_id == CurrentScoreRow.tenant_id)
        .outerjoin(RepVersionRow, (RepVersionRow.tenant_id == CurrentScoreRow.tenant_id)
                   & (RepVersionRow.rep_id == CurrentScoreRow.rep_id))
        .outerjoin(TenantSettingsRow, TenantSettingsRow.tenant_id == CurrentScoreRow.tenant_id)
        .where(CurrentScoreRow.tenant_id == tenant_id, CurrentScoreRow.rep_id == rep_id)).first()
    if row is None:
        return None
    kept_day, total, pillars, factors, formula, digest, version, context, tenant_context, changed, stored = row
    settings = settings_from(stored)
    if (kept_day != day or formula != FORMULA_VERSION or digest != settings_digest(settings)
            or context != (tenant_context or 0) or (changed is not None and changed > version)):
        return None
    return Score(day=kept_day, total=total, pillars=dict(pillars), factors=[FactorValue(**f) for f in factors],
                 formula_version=formula), settings


def board_entries(session: Session, tenant_id: str, board: BoardRow,
                  settings: ScoringSettings) -> dict[str, Entry]:
    """Every rep on the board: the materialised rows, with reps whose facts changed after their row
    was computed scored again now (the scorer has not reached them yet)."""
    entries: dict[str, Entry] = {}
    kept: dict[str, int] = {}
    for rep, total, pillars, version in session.execute(
            select(CurrentScoreRow.rep_id, CurrentScoreRow.total, CurrentScoreRow.pillars, CurrentScoreRow.version)
            .where(CurrentScoreRow.tenant_id == tenant_id, CurrentScoreRow.day == board.day)):
        entries[rep], kept[rep] = Entry(total, dict(pillars)), version
    behind = [rep for rep, version in session.execute(select(RepVersionRow.rep_id, RepVersionRow.version).where(
        RepVersionRow.tenant_id == tenant_id, RepVersionRow.version > board.version))
        if version > kept.get(rep, -1)]
    if behind:
        fresh, empty = score_reps(session, tenant_id, behind, board.day, settings)
        for rep in empty:
            entries.pop(rep, None)
        entries.update({rep: Entry(s.total, s.pillars) for rep, s in fresh.items()})
    return entries


def needs_build(session: Session, now: date, min_context_age: float) -> list[tuple[str, str]]:
    """Tenants whose board must be built again, with why: no board, another day, other settings, or a
    context change (once the last build is `min_context_age` seconds old)."""
    due: list[tuple[str, str]] = []
    boards = {b.tenant_id: b for b in session.scalars(select(BoardRow))}
    # one read of every tenant's settings, not one per tenant: the scorer asks several times a
    # second, idle or not, and a deployment has hundreds of tenants
    stored = {s.tenant_id: s for s in session.scalars(select(TenantSettingsRow))}
    for tenant in session.scalars(select(TenantVersionRow)):
        board = boards.get(tenant.tenant_id)
        if board is None:
            due.append((tenant.tenant_id, "no board yet"))
        elif board.day != now:
            due.append((tenant.tenant_id, f"day {now.isoformat()}"))
        elif board.settings_digest != settings_digest(settings_of(stored.get(tenant.tenant_id))):
            due.append((tenant.tenant_id, "settings changed"))
        elif board.context_version < tenant.context_version and (
                datetime.now(UTC) - utc(board.built_at)).total_seconds() >= min_context_age:
            due.append((tenant.tenant_id, "context changed"))
    return due
