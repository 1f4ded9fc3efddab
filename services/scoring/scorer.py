"""The scorer: recomputes the rep-days the consumer marked dirty, publishes what changed.

Runs in the scoring worker beside the consumer. For every dirty (tenant, rep, day) it computes the
day's score (model.compute), stages `scoring.score.updated` when the score differs from the last
one published for that day, and `scoring.alert.raised` for each dark-side occurrence not raised
before. Ids are derived from content, so a replay into an empty database publishes the same ids.
It also keeps every rep's materialised score of today (services/scoring/current.py): a dirty day in
today's window rescoring the rep's today too, and whole boards built again in chunks when the day
rolls over, the settings change or the context does. Dirty days of live events (lane 0) go before
those of bulk loads (lane 1), and before board chunks.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, tuple_, update
from sqlalchemy.orm import Session

from rapportkit import jsonutil, outbox
from rapportkit.consumer import ConsumerLoop
from rapportkit.db import (
    SessionFactory,
    among,
    dialect_insert,
    insert_many,
    one_statement,
    pipelined,
    read_session,
    table_of,
    unit_of_work,
)
from rapportkit.envelope import Event, new_event
from rapportkit.metrics import metrics
from services.scoring import current
from services.scoring.model import Score, compute, in_window
from services.scoring.models import LIVE, AlertRow, DirtyRow, ScoreRow
from services.scoring.queries import context_source, tenant_facts, window_reps
from services.scoring.settings import ScoringSettings

log = logging.getLogger(__name__)
SOURCE = "rapport/scoring"


def score_event_data(rep_id: str, score: Score) -> dict[str, object]:
    return {"rep_id": rep_id, "date": score.day.isoformat(), "total": score.total, "pillars": score.pillars,
            "factors": [f.as_dict() for f in score.factors], "formula_version": score.formula_version}


def _digest(value: object) -> str:
    return hashlib.sha1(jsonutil.dumps(value)).hexdigest()


def publish_score(tenant_id: str, rep_id: str, score: Score, last: tuple[float, Any] | None) -> Event | None:
    """The `scoring.score.updated` of the day when its score differs from the last published (`last`:
    its total and pillars), else None."""
    if last is not None and last == (score.total, score.pillars):
        return None
    data = score_event_data(rep_id, score)
    return new_event(type="rapport.scoring.score.updated", tenant_id=tenant_id, source=SOURCE,
                     id=f"score-{_digest([tenant_id, data])[:32]}", data=data,
                     time=datetime.combine(score.day, datetime.max.time(), tzinfo=UTC))


def remember_published(session: Session, rows: list[dict[str, Any]]) -> None:
    """Record the scores just published (`score` rows): one upsert of one row executed for many."""
    if rows:
        stmt = dialect_insert(session)(table_of(ScoreRow))
        session.execute(stmt.on_conflict_do_update(index_elements=["tenant_id", "rep_id", "day"], set_={
            "total": stmt.excluded.total, "pillars": stmt.excluded.pillars}), rows)


def occurrence_day(evidence: dict[str, Any], scored: date) -> date:
    """The day an alert belongs to: the pitch's or the mass message's own day, so it does not depend on
    which later day's window first showed it (a replay scores days in another order); for a pattern
    of a whole window (spam, intrusive outreach) the day whose window showed it."""
    if "pitched_at" in evidence:
        return datetime.fromisoformat(evidence["pitched_at"]).astimezone(UTC).date()
    if "day" in evidence:
        return date.fromisoformat(evidence["day"])
    return scored


def alert_rows(tenant_id: str, rep_id: str, score: Score) -> list[dict[str, Any]]:
    """An `alert` row for each dark-side occurrence the score found."""
    return [{"tenant_id": tenant_id, "rep_id": rep_id, "kind": finding.kind, "occurrence": _digest([finding.kind, key]),
             "day": occurrence_day(evidence, score.day), "evidence": evidence, "raised_at": datetime.now(UTC),
             "penalty": finding.penalty}
            for finding in score.findings for key, evidence in finding.occurrences]


def raise_alerts(session: Session, candidates: list[dict[str, Any]]) -> list[Event]:
    """Store the occurrences not raised before (the first found of each wins) in one statement
    (`rapportkit.db.insert_many`); a `scoring.alert.raised` for each of them. A rescored day finds the
    same occurrences again and again: those already stored are left out first, by one query per
    tenant whose text does not change (the insert is then rarely needed)."""
    first: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for row in candidates:
        first.setdefault((row["tenant_id"], row["rep_id"], row["kind"], row["occurrence"]), row)
    for tenant_id in sorted({t for t, _, _, _ in first}):
        keys = [k for k in first if k[0] == tenant_id]
        stored = select(AlertRow.rep_id, AlertRow.kind, AlertRow.occurrence)
        for rep_id, kind, occurrence in session.execute(stored.where(
                AlertRow.tenant_id == tenant_id, among(session, AlertRow.rep_id, sorted({k[1] for k in keys})),
                among(session, AlertRow.occurrence, sorted({k[3] for k in keys})))):
            first.pop((tenant_id, rep_id, kind, occurrence), None)
    columns = ["tenant_id", "rep_id", "kind", "occurrence"]
    raised = set(insert_many(session, table_of(AlertRow), [{k: v for k, v in row.items() if k != "penalty"}
                                                           for row in first.values()],
                             conflict=columns, returning=columns))
    return [new_event(type="rapport.scoring.alert.raised", tenant_id=row["tenant_id"], source=SOURCE,
                      id=f"alert-{_digest([row['tenant_id'], row['rep_id'], row['occurrence']])[:32]}",
                      time=datetime.combine(row["day"], datetime.max.time(), tzinfo=UTC),
                      data={"rep_id": row["rep_id"], "kind": row["kind"], "evidence": row["evidence"],
                            "date": row["day"].isoformat(), "penalty": row["penalty"]})
            for key, row in first.items() if key in raised]


def rescore(session: Session, tenant_id: str, dirty: Mapping[str, list[date]], today: date) -> None:
    """Recompute and publish the dirty days of the tenant's reps (rep → days), and keep the current
    score of each rep whose dirty days reach today. A fixed number of round trips for the whole
    batch: the facts of every rep at once, one context source cut per rep and day, the last
    published scores at once, and every write sent together."""
    # before the facts: a fact committed after this read leaves the kept row behind (a newer rep_version)
    stamp, settings = current.versions_and_settings(session, tenant_id)
    window = settings.window_days

    def reaches_today(days: list[date]) -> bool:
        return any(today - timedelta(days=window) < day <= today for day in days)

    wanted = {rep: sorted(set(days) | ({today} if reaches_today(days) else set())) for rep, days in dirty.items()}
    first = min(days[0] for days in wanted.values()) - timedelta(days=window - 1)
    facts = tenant_facts(session, tenant_id, first, max(days[-1] for days in wanted.values()), wanted)
    source = context_source(session, tenant_id, {rep: facts.get(rep, []) for rep in wanted})
    published = {(rep, day): (total, pillars) for rep, day, total, pillars in session.execute(
        select(ScoreRow.rep_id, ScoreRow.day, ScoreRow.total, ScoreRow.pillars).where(
            ScoreRow.tenant_id == tenant_id, among(session, ScoreRow.rep_id, sorted(wanted)),
            among(session, ScoreRow.day, sorted({d for days in dirty.values() for d in days}))))}
    changed: list[dict[str, Any]] = []
    events: list[Event] = []
    alerts: list[dict[str, Any]] = []
    kept: dict[str, Score] = {}
    gone: list[str] = []
    for rep, days in wanted.items():
        mine = facts.get(rep, [])
        for day in days:
            in_view = in_window(mine, day, window)
            score = compute(mine, source.for_rep(rep, in_view), day, settings)
            if day in dirty[rep]:
                event = publish_score(tenant_id, rep, score, published.get((rep, day)))
                if event is not None:
                    events.append(event)
                    changed.append({"tenant_id": tenant_id, "rep_id": rep, "day": day, "total": score.total,
                                    "pillars": score.pillars})
                alerts.extend(alert_rows(tenant_id, rep, score))
            if day == today:
                if in_view:
                    kept[rep] = score
                else:
                    gone.append(rep)
    # from here to the commit the tenant's version row is held FOR SHARE (PostgreSQL): a tenant deletion
    # waits for these writes and then deletes them too; one committed meanwhile leaves nothing to write
    if not current.tenant_alive(session, tenant_id):
        return
    events += raise_alerts(session, alerts)
    with pipelined(session):  # writes only, sent together: one round trip for the four statements
        remember_published(session, changed)
        outbox.add_many(session, events)
        current.keep(session, tenant_id, kept, stamp, settings)
        current.drop(session, tenant_id, gone)


# a dirty day a scorer claimed: tenant, rep, day, its version then, and the claim's end (its mark on the row)
Claimed = tuple[str, str, date, int, float]
CLAIM_SECONDS = 30.0  # a claim lapses after this long (a scorer that died mid-pass): another scorer takes the day


def claim(session: Session, limit: int, *, live_only: bool) -> list[Claimed]:
    """Claim up to `limit` unclaimed dirty days (live first, oldest first) for CLAIM_SECONDS, in one
    statement that is its own transaction (`rapportkit.db.one_statement`). PostgreSQL locks the rows
    only for that statement (SKIP LOCKED: two scorers claim different days), not for the pass: a
    consumer marking one of these days again meanwhile does not wait for the pass (it waited for
    whole passes, half its time)."""
    table, now = table_of(DirtyRow), time.time()
    free = (table.c.claimed_until.is_(None)) | (table.c.claimed_until < now)
    pick = select(table.c.tenant_id, table.c.rep_id, table.c.day).where(free)
    if live_only:
        pick = pick.where(table.c.lane == LIVE)
    pick = pick.order_by(table.c.lane, table.c.marked_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    until = now + CLAIM_SECONDS
    stmt = (update(table).where(tuple_(table.c.tenant_id, table.c.rep_id, table.c.day).in_(pick))
            .values(claimed_until=until)
            .returning(table.c.tenant_id, table.c.rep_id, table.c.day, table.c.version))
    return [(t, r, d, v, until) for t, r, d, v in session.execute(stmt)]


def _keys(claimed: list[Claimed]) -> list[dict[str, Any]]:
    return [{"t": t, "r": r, "d": d, "v": v, "u": u} for t, r, d, v, u in claimed]


def _where(table: Any) -> tuple[Any, ...]:
    """The claimed day's row, while it is still under this claim: not one that lapsed and another
    scorer claimed since, nor one marked anew after a tenant deletion removed it."""
    return (table.c.tenant_id == bindparam("t"), table.c.rep_id == bindparam("r"), table.c.day == bindparam("d"),
            table.c.claimed_until == bindparam("u"))


def finish(session: Session, claimed: list[Claimed]) -> None:
    """The claimed days are scored: forget each one not marked again since the claim (its version
    unchanged), and free the others for the next pass. The rows are locked first, in key order: the
    order the consumer marks days in (services/scoring/events.py), so the two never deadlock."""
    table, ordered = table_of(DirtyRow), sorted(claimed)
    key = tuple_(table.c.tenant_id, table.c.rep_id, table.c.day)
    with pipelined(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(table.c.tenant_id).where(key.in_([(t, r, d) for t, r, d, _, _ in ordered]))
                            .order_by(table.c.tenant_id, table.c.rep_id, table.c.day).with_for_update())
        session.execute(delete(table).where(*_where(table), table.c.version == bindparam("v")), _keys(ordered))
        release(session, ordered)


def release(session: Session, claimed: list[Claimed]) -> None:
    """Free the claimed days still here for the next pass (a failed pass's, or those `finish` kept)."""
    table = table_of(DirtyRow)
    session.execute(update(table).where(*_where(table)).values(claimed_until=None), _keys(claimed))


@dataclass
class Build:
    """A board being built for `day`, a chunk of reps per transaction."""

    tenant_id: str
    day: date
    stamp: current.Versions
    settings: ScoringSettings
    reps: list[str]
    done: set[str] = field(default_factory=set)


class Scorer:
    def __init__(self, session_factory: SessionFactory, *, batch: int = 100, interval: float = 1.0,
                 build_chunk: int = 500, clock: Callable[[], date] | None = None,
                 context_rebuild_seconds: float = current.CONTEXT_REBUILD_SECONDS,
                 consumer: ConsumerLoop | None = None, yield_seconds: float = 1.0):
        self.session_factory = session_factory
        # the consumer of the same process goes first: a pass waits (at most `yield_seconds`) until
        # it is between polls, so applying events (what reads see) does not share the GIL with scoring
        self.consumer = consumer
        self.yield_seconds = yield_seconds
        self.batch = batch
        self.interval = interval
        self.build_chunk = build_chunk
        self.clock = clock or (lambda: datetime.now(UTC).date())
        self.context_rebuild_seconds = context_rebuild_seconds
        self.builds: list[Build] = []
        self.scored = metrics("scoring").scored

    def pass_once(self) -> int:
        """Dirty days of live events first; then a chunk of a board build beside dirty days of bulk
        loads (so neither starves the other). Returns the work done."""
        return self.rescore_dirty(live_only=True) or self.build_step() + self.rescore_dirty()

    def rescore_dirty(self, *, live_only: bool = False) -> int:
        """Claim a batch of dirty days (a short transaction of its own), score them, and forget them in
        the transaction that stores the scores; a failed pass frees its claims again."""
        today = self.clock()
        with one_statement(self.session_factory) as session:
            claimed = claim(session, self.batch, live_only=live_only)
        if not claimed:
            return 0
        try:
            with unit_of_work(self.session_factory) as session:
                groups: dict[str, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
                for tenant_id, rep_id, day, _, _ in sorted(claimed):
                    groups[tenant_id][rep_id].append(day)
                for tenant_id, days_of in groups.items():  # in key order, as everywhere their version rows are locked
                    rescore(session, tenant_id, days_of, today)
                finish(session, claimed)
        except Exception:
            try:
                with unit_of_work(self.session_factory) as session:
                    release(session, claimed)
            except Exception:  # noqa: BLE001 - the claims lapse after CLAIM_SECONDS anyway
                log.warning("could not free the claims of a failed scorer pass")
            raise
        self.scored.inc(len(claimed))
        return len(claimed)

    def build_step(self) -> int:
        """Start the builds that are due, or score the next chunk of reps of the one under way."""
        today = self.clock()
        if not self.builds:
            with read_session(self.session_factory) as session:
                for tenant_id, why in current.needs_build(session, today, self.context_rebuild_seconds):
                    log.info("building the current scores", extra={"fields": {"tenant": tenant_id, "why": why}})
                    stamp, settings = current.versions_and_settings(session, tenant_id)
                    reps = window_reps(session, tenant_id, today, settings)
                    self.builds.append(Build(tenant_id, today, stamp, settings, reps))
            if not self.builds:
                return 0
        build = self.builds[0]
        if build.day != today:  # the day rolled over during the build: start again
            self.builds.clear()
            return 1
        chunk = [rep for rep in build.reps if rep not in build.done][:self.build_chunk]
        with unit_of_work(self.session_factory) as session:
            if not current.tenant_alive(session, build.tenant_id):  # deleted since the build began
                self.builds.pop(0)
                return 1
            if chunk:
                stamp = current.versions(session, build.tenant_id)
                scores, empty = current.score_reps(session, build.tenant_id, chunk, build.day, build.settings)
                current.keep(session, build.tenant_id, scores, stamp, build.settings)
                current.drop(session, build.tenant_id, empty)
                build.done.update(chunk)
            else:
                current.finish_build(session, build.tenant_id, build.day, build.stamp, build.settings)
                self.builds.pop(0)
        return max(1, len(chunk))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.consumer is not None:
                self.consumer.idle.wait(self.yield_seconds)
                self.consumer.applied.clear()  # what the consumer applies from here on wakes the next wait
            try:
                done = self.pass_once()
            except Exception:
                log.exception("scorer pass failed; retrying")
                self.builds.clear()
                done = 0
                stop.wait(1.0)
            if not done:
                # woken as soon as the consumer of this process applies a poll (what it marked dirty
                # is scored at once); the interval covers dirty days other processes mark
                (self.consumer.applied if self.consumer is not None else stop).wait(self.interval)
