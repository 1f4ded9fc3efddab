"""Loading what a score needs: a rep's facts and the context around them, and tenant settings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapportkit.db import utc
from services.scoring import facts as F
from services.scoring.facts import Context, Fact, Stakeholder
from services.scoring.models import AccountRow, FactRow, SignalRow, StakeholderRow, TenantSettingsRow
from services.scoring.settings import ScoringSettings


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def to_fact(row: FactRow) -> Fact:
    return Fact(kind=row.kind, at=utc(row.at), person=row.person, account_id=row.account_id, ref=row.ref, flag=row.flag,
                detail=row.detail)


def rep_facts(session: Session, tenant_id: str, rep_id: str, first: date, last: date) -> list[Fact]:
    rows = session.scalars(select(FactRow).where(
        FactRow.tenant_id == tenant_id, FactRow.rep_id == rep_id, FactRow.at >= day_start(first),
        FactRow.at < day_start(last + timedelta(days=1))).order_by(FactRow.at, FactRow.id))
    return [to_fact(r) for r in rows]


def tenant_facts(session: Session, tenant_id: str, first: date, last: date,
                 reps: Iterable[str] | None = None) -> dict[str, list[Fact]]:
    stmt = select(FactRow).where(FactRow.tenant_id == tenant_id, FactRow.at >= day_start(first),
                                 FactRow.at < day_start(last + timedelta(days=1)))
    if reps is not None:
        stmt = stmt.where(FactRow.rep_id.in_(list(reps)))
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for row in session.scalars(stmt.order_by(FactRow.at, FactRow.id)):
        grouped[row.rep_id].append(to_fact(row))
    return grouped


def context_for(session: Session, tenant_id: str, rep_id: str, window: list[Fact]) -> Context:
    """The buying centres, quadrants, acceptances and signal times the rep's facts refer to."""
    accepted: dict[str, datetime] = {}
    for person, at in session.execute(select(FactRow.person, FactRow.at).where(
            FactRow.tenant_id == tenant_id, FactRow.rep_id == rep_id, FactRow.kind == F.CONN_ACCEPTED)):
        if person and (person not in accepted or utc(at) < accepted[person]):
            accepted[person] = utc(at)
    people = {f.person for f in window if f.person} | set(accepted)
    stakeholders: dict[str, Stakeholder] = {}
    for start in range(0, len(people_list := sorted(people)), 500):
        for row in session.scalars(select(StakeholderRow).where(
                StakeholderRow.tenant_id == tenant_id, StakeholderRow.active.is_(True),
                StakeholderRow.person.in_(people_list[start:start + 500]))):
            if row.person:
                stakeholders[row.person] = Stakeholder(row.account_id, row.role)
    accounts = {s.account_id for s in stakeholders.values()} | {f.account_id for f in window if f.account_id}
    centre: dict[str, dict[str, str]] = defaultdict(dict)
    quadrants: dict[str, str] = {}
    fits: dict[str, float] = {}
    if accounts:
        for row in session.scalars(select(StakeholderRow).where(
                StakeholderRow.tenant_id == tenant_id, StakeholderRow.active.is_(True),
                StakeholderRow.account_id.in_(sorted(accounts)))):
            centre[row.account_id][row.person or row.stakeholder_id] = row.role
        for account in session.scalars(select(AccountRow).where(
                AccountRow.tenant_id == tenant_id, AccountRow.account_id.in_(sorted(accounts)))):
            if account.quadrant:
                quadrants[account.account_id] = account.quadrant
            if account.icp_fit is not None:
                fits[account.account_id] = account.icp_fit
    signals = sorted({f.ref for f in window if f.kind == F.SIGNAL_ACTIONED and f.ref})
    captured = {s.signal_id: utc(s.captured_at) for s in session.scalars(select(SignalRow).where(
        SignalRow.tenant_id == tenant_id, SignalRow.signal_id.in_(signals)))} if signals else {}
    return Context(stakeholders=stakeholders, centre_roles=dict(centre), quadrants=quadrants, accepted_at=accepted,
                   signal_captured_at=captured, icp_fit=fits)


SETTING_FIELDS = {f.name for f in fields(ScoringSettings)}


def tenant_settings(session: Session, tenant_id: str) -> ScoringSettings:
    row = session.get(TenantSettingsRow, tenant_id)
    values: dict[str, Any] = dict(row.settings) if row else {}
    return ScoringSettings(**{k: v for k, v in values.items() if k in SETTING_FIELDS})
