"""Outcome reports: leads, opportunities, win rate, cycle length, won amount, referrals, and the
share of opportunities that were socially influenced.

- win_rate = won / (won + lost), over opportunities closed in the period;
- median_cycle_days: median of (closed − created) in days over won opportunities closed in the period;
- opportunities: created in the period; leads / qualified: created / qualified in the period;
- socially influenced: a social touch (accepted connection, a message of a two-way conversation,
  engagement with the rep's content) by the opportunity's rep with a stakeholder of its account
  within `attribution_window_days` before its creation or one of its stage changes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapportkit.db import utc
from services.scoring import facts as F
from services.scoring.models import (
    FactRow,
    LeadRow,
    OpportunityRow,
    ReferralRow,
    RepRow,
    StageChangeRow,
    StakeholderRow,
)
from services.scoring.stats import median

INFLUENCE_KINDS = (F.CONN_ACCEPTED, F.MSG_OUT, F.MSG_IN, F.ENGAGEMENT_RECEIVED)


def aware(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def in_period(at: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    at = aware(at)
    return at is not None and (start is None or at >= start) and (end is None or at < end)


@dataclass
class Group:
    leads: int = 0
    qualified: int = 0
    opportunities: int = 0
    won: int = 0
    lost: int = 0
    won_amount: float = 0.0
    referrals: int = 0
    cycles: list[float] = field(default_factory=list)
    influenced: int = 0
    influenced_won: int = 0
    influenced_lost: int = 0

    def as_dict(self, key: str, value: str) -> dict[str, Any]:
        closed = self.won + self.lost
        influenced_closed = self.influenced_won + self.influenced_lost
        return {
            key: value, "leads": self.leads, "qualified": self.qualified, "opportunities": self.opportunities,
            "won": self.won, "lost": self.lost, "win_rate": round(self.won / closed, 4) if closed else None,
            "median_cycle_days": median(self.cycles), "won_amount": round(self.won_amount, 2),
            "referrals": self.referrals,
            "socially_influenced": round(self.influenced / self.opportunities, 4) if self.opportunities else None,
            "influenced_win_rate": round(self.influenced_won / influenced_closed, 4) if influenced_closed else None,
            "other_win_rate": (round((self.won - self.influenced_won) / (closed - influenced_closed), 4)
                               if closed - influenced_closed else None),
        }


def influenced_opportunities(session: Session, tenant_id: str, opportunities: list[OpportunityRow],
                             window_days: int) -> set[str]:
    """Ids of the opportunities with a social touch before creation or a stage change."""
    people_of: dict[str, set[str]] = defaultdict(set)
    for account_id, person in session.execute(select(StakeholderRow.account_id, StakeholderRow.person).where(
            StakeholderRow.tenant_id == tenant_id)):
        if person:
            people_of[account_id].add(person)
    moments: dict[str, list[datetime]] = defaultdict(list)
    for opp_id, at in session.execute(select(StageChangeRow.opportunity_id, StageChangeRow.at).where(
            StageChangeRow.tenant_id == tenant_id)):
        moments[opp_id].append(aware(at))  # type: ignore[arg-type]
    touches: dict[tuple[str, str], list[tuple[str, str | None, datetime]]] = defaultdict(list)
    for rep, person, kind, ref, at in session.execute(select(
            FactRow.rep_id, FactRow.person, FactRow.kind, FactRow.ref, FactRow.at).where(
            FactRow.tenant_id == tenant_id, FactRow.kind.in_(INFLUENCE_KINDS))):
        if person:
            touches[(rep, person)].append((kind, ref, aware(at)))  # type: ignore[arg-type]
    directions: dict[str, set[str]] = defaultdict(set)
    for entries in touches.values():
        for kind, ref, _ in entries:
            if ref and kind in (F.MSG_OUT, F.MSG_IN):
                directions[ref].add(kind)
    window = timedelta(days=window_days)
    found: set[str] = set()
    for opp in opportunities:
        if not opp.rep_id or not opp.account_id:
            continue
        when = [m for m in moments.get(opp.opportunity_id, []) if m] + ([aware(opp.created_at)] if opp.created_at
                                                                         else [])
        for person in people_of.get(opp.account_id, ()):
            for kind, ref, at in touches.get((opp.rep_id, person), ()):
                if kind in (F.MSG_OUT, F.MSG_IN) and len(directions.get(ref or "", ())) < 2:
                    continue  # a one-way message is not a conversation
                if any(m is not None and m - window <= at <= m for m in when):
                    found.add(opp.opportunity_id)
                    break
            if opp.opportunity_id in found:
                break
    return found


def outcomes_report(session: Session, *, tenant_id: str, group_by: str, start: datetime | None,
                    end: datetime | None, attribution_window_days: int) -> list[dict[str, Any]]:
    team_of = {r.rep_id: r.team_id or "unassigned" for r in session.scalars(
        select(RepRow).where(RepRow.tenant_id == tenant_id))}

    def key(rep_id: str) -> str:
        return rep_id if group_by == "rep" else team_of.get(rep_id, "unassigned")

    groups: dict[str, Group] = defaultdict(Group)
    opportunities = [o for o in session.scalars(select(OpportunityRow).where(OpportunityRow.tenant_id == tenant_id))
                     if o.rep_id]
    influenced = influenced_opportunities(session, tenant_id, opportunities, attribution_window_days)
    for opp in opportunities:
        g = groups[key(opp.rep_id or "")]
        is_influenced = opp.opportunity_id in influenced
        if in_period(opp.created_at, start, end):
            g.opportunities += 1
            g.influenced += is_influenced
        if opp.won is not None and in_period(opp.closed_at, start, end):
            if opp.won:
                g.won += 1
                g.influenced_won += is_influenced
                g.won_amount += opp.won_amount or 0.0
                created, closed = aware(opp.created_at), aware(opp.closed_at)
                if created and closed:
                    g.cycles.append((closed - created).total_seconds() / 86400)
            else:
                g.lost += 1
                g.influenced_lost += is_influenced
    for lead in session.scalars(select(LeadRow).where(LeadRow.tenant_id == tenant_id)):
        g = groups[key(lead.rep_id)]
        g.leads += in_period(lead.created_at, start, end)
        g.qualified += in_period(lead.qualified_at, start, end)
    for ref in session.scalars(select(ReferralRow).where(ReferralRow.tenant_id == tenant_id)):
        groups[key(ref.rep_id)].referrals += in_period(ref.at, start, end)
    name = "rep_id" if group_by == "rep" else "team_id"
    return [groups[k].as_dict(name, k) for k in sorted(groups)]
