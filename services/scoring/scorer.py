"""The scorer: recomputes the rep-days the consumer marked dirty, publishes what changed.

Runs in the scoring worker beside the consumer. For every dirty (tenant, rep, day) it computes the
day's score (model.compute), stages `scoring.score.updated` when the score differs from the last
one published for that day, and `scoring.alert.raised` for each dark-side occurrence not raised
before. Ids are derived from content, so a replay into an empty database publishes the same ids.
Reads never wait for the scorer: they compute from the facts directly.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rapportkit import jsonutil, outbox
from rapportkit.db import SessionFactory, insert_ignore, unit_of_work
from rapportkit.envelope import new_event
from rapportkit.metrics import metrics
from services.scoring.model import Score, compute, in_window
from services.scoring.models import AlertRow, DirtyRow, ScoreRow
from services.scoring.queries import context_for, rep_facts, tenant_settings

log = logging.getLogger(__name__)
SOURCE = "rapport/scoring"


def score_event_data(rep_id: str, score: Score) -> dict[str, object]:
    return {"rep_id": rep_id, "date": score.day.isoformat(), "total": score.total, "pillars": score.pillars,
            "factors": [f.as_dict() for f in score.factors], "formula_version": score.formula_version}


def _digest(value: object) -> str:
    return hashlib.sha1(jsonutil.dumps(value)).hexdigest()


def publish_score(session: Session, tenant_id: str, rep_id: str, score: Score) -> bool:
    row = session.get(ScoreRow, (tenant_id, rep_id, score.day))
    if row is not None and row.total == score.total and row.pillars == score.pillars:
        return False
    if row is None:
        row = ScoreRow(tenant_id=tenant_id, rep_id=rep_id, day=score.day)
        session.add(row)
    row.total, row.pillars = score.total, score.pillars
    data = score_event_data(rep_id, score)
    outbox.add(session, new_event(type="rapport.scoring.score.updated", tenant_id=tenant_id, source=SOURCE,
                                  id=f"score-{_digest([tenant_id, data])[:32]}", data=data,
                                  time=datetime.combine(score.day, datetime.max.time(), tzinfo=UTC)))
    return True


def occurrence_day(evidence: dict[str, Any], scored: date) -> date:
    """The day an alert belongs to: the pitch's or the mass message's own day, so it does not depend on
    which later day's window first showed it (a replay scores days in another order); for a pattern
    of a whole window (spam, intrusive outreach) the day whose window showed it."""
    if "pitched_at" in evidence:
        return datetime.fromisoformat(evidence["pitched_at"]).astimezone(UTC).date()
    if "day" in evidence:
        return date.fromisoformat(evidence["day"])
    return scored


def raise_alerts(session: Session, tenant_id: str, rep_id: str, score: Score) -> int:
    raised = 0
    for finding in score.findings:
        for key, evidence in finding.occurrences:
            occurrence = _digest([finding.kind, key])
            day = occurrence_day(evidence, score.day)
            values = {"tenant_id": tenant_id, "rep_id": rep_id, "kind": finding.kind, "occurrence": occurrence,
                      "day": day, "evidence": evidence, "raised_at": datetime.now(UTC)}
            if insert_ignore(session, AlertRow, values, keys=["tenant_id", "rep_id", "kind", "occurrence"]):
                raised += 1
                outbox.add(session, new_event(
                    type="rapport.scoring.alert.raised", tenant_id=tenant_id, source=SOURCE,
                    id=f"alert-{_digest([tenant_id, rep_id, occurrence])[:32]}",
                    time=datetime.combine(day, datetime.max.time(), tzinfo=UTC),
                    data={"rep_id": rep_id, "kind": finding.kind, "evidence": evidence,
                          "date": day.isoformat(), "penalty": finding.penalty}))
    return raised


def rescore(session: Session, tenant_id: str, rep_id: str, days: list[date]) -> None:
    settings = tenant_settings(session, tenant_id)
    first = min(days) - timedelta(days=settings.window_days - 1)
    facts = rep_facts(session, tenant_id, rep_id, first, max(days))
    for day in sorted(days):
        ctx = context_for(session, tenant_id, rep_id, in_window(facts, day, settings.window_days))
        score = compute(facts, ctx, day, settings)
        publish_score(session, tenant_id, rep_id, score)
        raise_alerts(session, tenant_id, rep_id, score)


class Scorer:
    def __init__(self, session_factory: SessionFactory, *, batch: int = 100, interval: float = 0.25):
        self.session_factory = session_factory
        self.batch = batch
        self.interval = interval
        self.scored = metrics("scoring").scored

    def pass_once(self) -> int:
        with unit_of_work(self.session_factory) as session:
            stmt = select(DirtyRow).limit(self.batch)
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            dirty = list(session.scalars(stmt))
            groups: dict[tuple[str, str], list[date]] = defaultdict(list)
            for row in dirty:
                groups[(row.tenant_id, row.rep_id)].append(row.day)
            for (tenant_id, rep_id), days in groups.items():
                rescore(session, tenant_id, rep_id, days)
                session.execute(delete(DirtyRow).where(DirtyRow.tenant_id == tenant_id, DirtyRow.rep_id == rep_id,
                                                       DirtyRow.day.in_(days)))
        self.scored.inc(len(dirty))
        return len(dirty)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                done = self.pass_once()
            except Exception:
                log.exception("scorer pass failed; retrying")
                done = 0
                stop.wait(1.0)
            if not done:
                stop.wait(self.interval)
