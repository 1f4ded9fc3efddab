"""Reads of the insight service: accounts (list and detail) and signals. Every query is scoped to a
tenant; stubs (accounts named by a stakeholder but never upserted, signals acted on but never
captured) are not shown."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from rapportkit import aliases
from rapportkit.catalog import ROLES
from rapportkit.db import utc
from rapportkit.envelope import format_time
from rapportkit.people import is_weak
from services.insight import settings
from services.insight.models import Account, AccountFollow, Note, PersonAlias, ProfileView, Signal, Stakeholder

RECENT_NOTES = 10


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return format_time(utc(value))


def account_summary(a: Account) -> dict[str, Any]:
    return {"account_id": a.account_id, "name": a.name, "tier": a.tier, "industry": a.industry,
            "employees": a.employees, "region": a.region, "revenue": a.revenue, "icp_fit": a.icp_fit,
            "customer_status": a.customer_status,
            "buying_centre": {"size": a.active_stakeholders, "class": a.centre_size},
            "quadrant": a.quadrant, "updated_at": _time(a.upserted_at)}


def list_accounts(session: Session, *, tenant_id: str, tiers: Sequence[str], quadrants: Sequence[str],
                  min_fit: float | None, sort: str, limit: int, offset: int
                  ) -> tuple[list[dict[str, Any]], int]:
    where = [Account.tenant_id == tenant_id, Account.known.is_(True)]
    if tiers:
        where.append(Account.tier.in_(tiers))
    if quadrants:
        where.append(Account.quadrant.in_(quadrants))
    if min_fit is not None:
        where.append(Account.icp_fit >= min_fit)
    total = int(session.scalar(select(func.count()).select_from(Account).where(*where)) or 0)
    order = {
        "fit": [Account.icp_fit.desc().nulls_last(), Account.account_id],
        "name": [func.lower(Account.name), Account.account_id],
        "updated": [Account.upserted_at.desc(), Account.account_id],
    }[sort]
    rows = session.scalars(select(Account).where(*where).order_by(*order).limit(limit).offset(offset))
    return [account_summary(a) for a in rows], total


def _stakeholder(s: Stakeholder) -> dict[str, Any]:
    erased = s.erased_at is not None
    person = None if erased else {f: v for f in ("profile_url", "email", "name", "title", "company")
                                  if (v := getattr(s, f)) is not None}
    identity = None if erased or not s.person_key else ("weak" if is_weak(s.person_key) else "strong")
    return {"stakeholder_id": s.stakeholder_id, "person_key": None if erased else s.person_key, "person": person,
            "identity": identity, "role": s.role, "seniority": s.seniority, "identified_at": _time(s.identified_at),
            "erased": erased}


def _account_signals(tenant_id: str, account_id: str) -> Any:
    keys = select(Stakeholder.person_key).where(Stakeholder.tenant_id == tenant_id,
                                                Stakeholder.account_id == account_id,
                                                Stakeholder.person_key.is_not(None))
    return or_(Signal.account_id == account_id, Signal.person_key.in_(keys))


def account_detail(session: Session, *, tenant_id: str, account_id: str,
                   reps: Collection[str] | None = None) -> dict[str, Any] | None:
    """The account with its research; followers and recent notes of `reps` only (None: every rep),
    counts for the whole tenant."""
    account = session.get(Account, (tenant_id, account_id))
    if account is None or not account.known:
        return None
    rules = settings.read(session, tenant_id, settings.QUADRANT)
    members = session.scalars(select(Stakeholder).where(
        Stakeholder.tenant_id == tenant_id, Stakeholder.account_id == account_id,
        Stakeholder.identified_at.is_not(None)).order_by(Stakeholder.identified_at, Stakeholder.stakeholder_id)).all()
    active = [s for s in members if s.active]
    by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLES}
    for s in active:
        by_role.setdefault(s.role or "unknown", []).append(_stakeholder(s))
    covered = [r for r in ROLES if r != "unknown" and by_role[r]]
    active_keys = [s.person_key for s in active if s.person_key]
    # a stakeholder's views under any key of theirs: by name and by URL (rapportkit.aliases)
    active_keys += [*aliases.resolve(session, PersonAlias, tenant_id, active_keys).values(),
                    *aliases.weak_of(session, PersonAlias, tenant_id, active_keys)]
    active_keys = sorted(set(active_keys))
    views = int(session.scalar(select(func.count()).select_from(ProfileView).where(
        ProfileView.tenant_id == tenant_id, ProfileView.person_key.in_(active_keys))) or 0) if active_keys else 0
    notes, last_note = session.execute(select(func.count(), func.max(Note.recorded_at)).where(
        Note.tenant_id == tenant_id, Note.account_id == account_id)).one()
    recent = session.scalars(select(Note).where(Note.tenant_id == tenant_id, Note.account_id == account_id,
                                                *([Note.rep_id.in_(list(reps))] if reps is not None else []))
                             .order_by(Note.recorded_at.desc(), Note.id.desc()).limit(RECENT_NOTES)).all()
    followers = session.scalars(select(AccountFollow.rep_id).where(
        AccountFollow.tenant_id == tenant_id, AccountFollow.account_id == account_id,
        *([AccountFollow.rep_id.in_(list(reps))] if reps is not None else []))
        .group_by(AccountFollow.rep_id).order_by(AccountFollow.rep_id)).all()
    captured, actioned = session.execute(
        select(func.count(), func.count(Signal.first_action_at)).where(
            Signal.tenant_id == tenant_id, Signal.captured.is_(True),
            _account_signals(tenant_id, account_id))).one()
    return {
        **account_summary(account),
        "icp_reasons": account.icp_reasons or [],
        "icp_version": account.icp_version,
        "stakeholders": by_role,
        "buying_centre": {
            "size": account.active_stakeholders, "class": account.centre_size,
            "large_from": rules["large_centre_min"], "roles_covered": covered,
            "roles_missing": [r for r in ROLES if r != "unknown" and r not in covered],
            "departed": [_stakeholder(s) for s in members if not s.active],
        },
        "quadrant_since": _time(account.quadrant_at),
        "research": {"followers": list(followers), "notes": int(notes or 0), "last_note_at": _time(last_note),
                     "recent_notes": [{"rep_id": n.rep_id, "text": n.text, "recorded_at": _time(n.recorded_at),
                                       "redacted": n.redacted_at is not None} for n in recent],
                     "stakeholder_profile_views": views},
        "signals": {"captured": int(captured or 0), "actioned": int(actioned or 0),
                    "open": int(captured or 0) - int(actioned or 0)},
    }


def signal_item(s: Signal, reps: Collection[str] | None = None) -> dict[str, Any]:
    """A signal; the rep who captured or first actioned it is named only when in `reps` (None: every
    rep)."""
    def rep(rep_id: str | None) -> str | None:
        return rep_id if reps is None or rep_id in reps else None

    return {"signal_id": s.signal_id, "kind": s.kind, "strength": s.strength, "source": s.source,
            "account_id": s.account_id, "person": s.person, "captured_by": rep(s.captured_by),
            "captured_at": _time(s.captured_at), "actioned": s.first_action_at is not None,
            "actioned_at": _time(s.first_action_at), "actioned_by": rep(s.actioned_by), "action": s.action,
            "actions": s.actions, "latency_hours": s.latency_hours}


def list_signals(session: Session, *, tenant_id: str, account_id: str | None, kinds: Sequence[str],
                 since: datetime | None, actioned: bool | None, limit: int, offset: int,
                 reps: Collection[str] | None = None) -> tuple[list[dict[str, Any]], int]:
    stmt: Select[Any] = select(Signal).where(Signal.tenant_id == tenant_id, Signal.captured.is_(True))
    if account_id is not None:
        stmt = stmt.where(_account_signals(tenant_id, account_id))
    if kinds:
        stmt = stmt.where(Signal.kind.in_(kinds))
    if since is not None:
        stmt = stmt.where(Signal.captured_at >= since)
    if actioned is not None:
        stmt = stmt.where(Signal.first_action_at.is_not(None) if actioned else Signal.first_action_at.is_(None))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(Signal.captured_at.desc(), Signal.signal_id).limit(limit).offset(offset))
    return [signal_item(s, reps) for s in rows], total
