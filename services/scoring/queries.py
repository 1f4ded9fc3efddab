"""Loading what a score needs (a rep's facts, the context around them, tenant settings), and scoring many
reps at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from rapportkit import aliases
from rapportkit.db import among, chunks, table_of, utc
from services.scoring import facts as F
from services.scoring.facts import Context, Fact, Stakeholder
from services.scoring.model import Score, compute
from services.scoring.models import (
    ACCEPTED,
    AccountRow,
    FactRow,
    PersonAliasRow,
    SignalRow,
    StakeholderRow,
    TenantSettingsRow,
)
from services.scoring.settings import ScoringSettings


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# the table's columns, not the model's attributes: a statement with any of those goes through the ORM's
# loading, about 1.3 µs more a row (a scorer pass reads tens of thousands, a board build a million)
FACTS = table_of(FactRow)
FACT_COLUMNS = (FACTS.c.rep_id, FACTS.c.kind, FACTS.c.at, FACTS.c.person, FACTS.c.account_id, FACTS.c.ref,
                FACTS.c.flag, FACTS.c.detail)
CHUNK = 5000  # ids per IN (...) list: well under every driver's limit of bound parameters


def rep_facts(session: Session, tenant_id: str, rep_id: str, first: date, last: date) -> list[Fact]:
    return tenant_facts(session, tenant_id, first, last, [rep_id]).get(rep_id, [])


def tenant_facts(session: Session, tenant_id: str, first: date, last: date,
                 reps: Iterable[str] | None = None) -> dict[str, list[Fact]]:
    """The facts of `first`..`last` by rep (of `reps`, or every rep), in event-time order. Plain rows,
    not ORM objects: a leaderboard reads a third of a million of them."""
    stmt = (select(*FACT_COLUMNS).where(FACTS.c.tenant_id == tenant_id, FACTS.c.at >= day_start(first),
                                        FACTS.c.at < day_start(last + timedelta(days=1)))
            .order_by(FACTS.c.at, FACTS.c.id))
    grouped: dict[str, list[Fact]] = defaultdict(list)
    statements = [stmt] if reps is None else (
        stmt.where(among(session, FACTS.c.rep_id, c)) for c in chunks(reps, CHUNK))
    for chosen in statements:  # unpacked, not read by attribute: a busy scorer pass reads tens of thousands
        for rep_id, kind, at, person, account_id, ref, flag, detail in session.execute(chosen):
            grouped[rep_id].append(Fact(kind, utc(at), person, account_id, ref, flag, detail))
    merged = aliases.resolve(session, PersonAliasRow, tenant_id,
                             {f.person for facts in grouped.values() for f in facts if f.person})
    if merged:  # a person known by name counts as the same person with a URL (rapportkit.aliases)
        for facts in grouped.values():
            facts[:] = [f._replace(person=merged[f.person]) if f.person in merged else f for f in facts]
    return grouped


@dataclass
class ContextSource:
    """What the contexts of many reps are cut from, loaded in a fixed number of queries (not per rep):
    first acceptances by rep, the active stakeholders the reps' people are, the buying centres and
    accounts they belong to, and the capture times of the signals the reps actioned."""

    accepted: dict[str, dict[str, datetime]] = field(default_factory=dict)  # rep → person → first acceptance
    stakeholders: dict[str, Stakeholder] = field(default_factory=dict)  # active, by person key
    centres: dict[str, dict[str, str]] = field(default_factory=dict)  # account → person → role
    quadrants: dict[str, str] = field(default_factory=dict)
    fits: dict[str, float] = field(default_factory=dict)
    captured: dict[str, datetime] = field(default_factory=dict)

    def for_rep(self, rep_id: str, window: list[Fact]) -> Context:
        accepted = self.accepted.get(rep_id, {})
        people = {f.person for f in window if f.person} | set(accepted)
        stakeholders = {p: self.stakeholders[p] for p in people if p in self.stakeholders}
        accounts = {s.account_id for s in stakeholders.values()} | {f.account_id for f in window if f.account_id}
        signals = {f.ref for f in window if f.kind == F.SIGNAL_ACTIONED and f.ref}
        return Context(stakeholders=stakeholders,
                       centre_roles={a: self.centres[a] for a in sorted(accounts) if a in self.centres},
                       quadrants={a: self.quadrants[a] for a in accounts if a in self.quadrants},
                       accepted_at=dict(accepted), icp_fit={a: self.fits[a] for a in accounts if a in self.fits},
                       signal_captured_at={s: self.captured[s] for s in signals if s in self.captured})


def first_acceptances(session: Session, tenant_id: str, reps: list[str]) -> Select[str, str | None, datetime]:
    """The first acceptance of each (rep, person) of all time, through `ix_fact_accepted`: the reps'
    accepted connections only, not every fact they ever had."""
    return (select(FactRow.rep_id, FactRow.person, func.min(FactRow.at))
            .where(FactRow.tenant_id == tenant_id, text(ACCEPTED), FactRow.person.is_not(None),
                   among(session, FactRow.rep_id, reps))
            .group_by(FactRow.rep_id, FactRow.person))


def context_source(session: Session, tenant_id: str, windows: Mapping[str, list[Fact]]) -> ContextSource:
    """The source of the contexts of the reps of `windows` (rep → the facts its scores read)."""
    source = ContextSource()
    if not windows:
        return source
    firsts: list[tuple[str, str, datetime]] = []
    for reps in chunks(windows, CHUNK):
        firsts += [(rep, person, utc(at)) for rep, person, at in session.execute(
            first_acceptances(session, tenant_id, reps)) if person]
    merged = aliases.resolve(session, PersonAliasRow, tenant_id, {person for _, person, _ in firsts})
    for rep, person, at in firsts:  # a person accepted by name and by URL: the first of both
        known = source.accepted.setdefault(rep, {})
        key = merged.get(person, person)
        known[key] = min(at, known.get(key, at))
    facts = [f for window in windows.values() for f in window]
    people = {f.person for f in facts if f.person}.union(*(a.keys() for a in source.accepted.values()))
    people |= set(aliases.weak_of(session, PersonAliasRow, tenant_id, people))  # stakeholders stored by name
    active = StakeholderRow.tenant_id == tenant_id, StakeholderRow.active.is_(True)
    found: list[tuple[str, str, str]] = []
    for chunk in chunks(people, CHUNK):
        found += [(person, account, role) for person, account, role in session.execute(select(
            StakeholderRow.person, StakeholderRow.account_id, StakeholderRow.role).where(
                *active, among(session, StakeholderRow.person, chunk))) if person]
    merged = aliases.resolve(session, PersonAliasRow, tenant_id, {person for person, _, _ in found})
    for person, account, role in found:
        source.stakeholders[merged.get(person, person)] = Stakeholder(account, role)
    accounts = {s.account_id for s in source.stakeholders.values()} | {f.account_id for f in facts if f.account_id}
    members: list[tuple[str, str, str]] = []
    for chunk in chunks(accounts, CHUNK):
        members += [(account, who or stakeholder_id, role) for account, who, stakeholder_id, role in session.execute(
            select(StakeholderRow.account_id, StakeholderRow.person, StakeholderRow.stakeholder_id,
                   StakeholderRow.role).where(*active, among(session, StakeholderRow.account_id, chunk)))]
        for row in session.execute(select(AccountRow.account_id, AccountRow.quadrant, AccountRow.icp_fit).where(
                AccountRow.tenant_id == tenant_id, among(session, AccountRow.account_id, chunk))):
            if row.quadrant:
                source.quadrants[row.account_id] = row.quadrant
            if row.icp_fit is not None:
                source.fits[row.account_id] = row.icp_fit
    merged = aliases.resolve(session, PersonAliasRow, tenant_id, {who for _, who, _ in members})
    for account, who, role in members:
        source.centres.setdefault(account, {})[merged.get(who, who)] = role
    for chunk in chunks({f.ref for f in facts if f.kind == F.SIGNAL_ACTIONED and f.ref}, CHUNK):
        for signal_id, at in session.execute(select(SignalRow.signal_id, SignalRow.captured_at).where(
                SignalRow.tenant_id == tenant_id, among(session, SignalRow.signal_id, chunk))):
            source.captured[signal_id] = utc(at)
    return source


def context_for(session: Session, tenant_id: str, rep_id: str, window: list[Fact]) -> Context:
    """The buying centres, quadrants, acceptances and signal times the rep's facts refer to."""
    return context_source(session, tenant_id, {rep_id: window}).for_rep(rep_id, window)


def window_facts(session: Session, tenant_id: str, day: date, settings: ScoringSettings,
                 reps: list[str] | None = None) -> dict[str, list[Fact]]:
    """The facts in the window of `day`, by rep (of `reps`, or every rep with facts there)."""
    return tenant_facts(session, tenant_id, day - timedelta(days=settings.window_days - 1), day, reps)


def window_reps(session: Session, tenant_id: str, day: date, settings: ScoringSettings) -> list[str]:
    """The reps with facts in the window of `day`."""
    first = day - timedelta(days=settings.window_days - 1)
    return sorted(session.scalars(select(FactRow.rep_id).distinct().where(
        FactRow.tenant_id == tenant_id, FactRow.at >= day_start(first),
        FactRow.at < day_start(day + timedelta(days=1)))))


def scores_of(session: Session, tenant_id: str, day: date, settings: ScoringSettings,
              windows: Mapping[str, list[Fact]]) -> dict[str, Score]:
    """The scores of `day` of the reps of `windows` (rep → the facts in its window); the context of
    them all is loaded in a fixed number of queries, whatever the number of reps."""
    source = context_source(session, tenant_id, windows)
    return {rep: compute(facts, source.for_rep(rep, facts), day, settings) for rep, facts in windows.items()}


def rep_scores(session: Session, tenant_id: str, reps: list[str], day: date) -> dict[str, Score]:
    """The score of `day` of each of `reps` (a rep without facts in the window too)."""
    settings = tenant_settings(session, tenant_id)
    facts = window_facts(session, tenant_id, day, settings, reps)
    return scores_of(session, tenant_id, day, settings, {rep: facts.get(rep, []) for rep in reps})


SETTING_FIELDS = {f.name for f in fields(ScoringSettings)}


def tenant_settings(session: Session, tenant_id: str) -> ScoringSettings:
    return settings_of(session.get(TenantSettingsRow, tenant_id))


def settings_of(row: TenantSettingsRow | None) -> ScoringSettings:
    """A tenant's settings from its stored row (None: the defaults)."""
    return settings_from(row.settings if row else None)


def settings_from(stored: dict[str, Any] | None) -> ScoringSettings:
    """A tenant's settings from their stored JSON (None: the defaults)."""
    return ScoringSettings(**{k: v for k, v in (stored or {}).items() if k in SETTING_FIELDS})
