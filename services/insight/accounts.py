"""Account state: locking, buying-centre counts, ICP fit and quadrant, and the events they derive.

Service functions: they take a Session, never commit, and return the derived events to publish
(`rapport.insight.account.quadrant_changed`, `rapport.insight.account.fit_changed`), whose ids are
derived deterministically from what caused them, so a replay stages nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapportkit import aliases
from rapportkit.db import insert_ignore, utc
from rapportkit.envelope import Event, new_event
from services.insight.icp import AccountFacts, icp_fit
from services.insight.models import Account, PersonAlias, Stakeholder
from services.insight.quadrant import place
from services.insight.settings import TenantRules, rules_for

SOURCE = "rapport/insight"
_NAMESPACE = uuid.UUID("6f6b1d4e-3c55-4b53-9a3e-7a1c2f0e9b11")


def derived_id(kind: str, tenant_id: str, *parts: str) -> str:
    """A deterministic event id for a derived event (UUIDv5 of what caused it)."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join((kind, tenant_id, *parts))))


def now() -> datetime:
    return datetime.now(UTC)


def lock_accounts(session: Session, tenant_id: str, account_ids: Iterable[str]) -> dict[str, Account]:
    """Lock (creating stubs for) these accounts, in id order so concurrent writers do not deadlock.

    The tenant's rules are share-locked first (see settings.py), so the lock order is always
    settings → accounts.
    """
    rules_for(session, tenant_id)
    ids = sorted(set(account_ids))
    for account_id in ids:
        insert_ignore(session, Account,
                      {"tenant_id": tenant_id, "account_id": account_id, "known": False, "icp_reasons": [],
                       "active_stakeholders": 0, "updated_at": now()},
                      keys=["tenant_id", "account_id"])
    rows = session.scalars(select(Account).where(Account.tenant_id == tenant_id, Account.account_id.in_(ids))
                           .order_by(Account.account_id).with_for_update()
                           .execution_options(populate_existing=True))
    return {row.account_id: row for row in rows}


def active_stakeholders(session: Session, tenant_id: str, account_id: str) -> int:
    """Size of the buying centre: distinct people among the account's active stakeholders (a person
    recorded once by name and once with a URL is one: rapportkit.aliases)."""
    keys: set[str] = {key for key in session.scalars(select(Stakeholder.person_key).where(
        Stakeholder.tenant_id == tenant_id, Stakeholder.account_id == account_id,
        Stakeholder.active.is_(True), Stakeholder.person_key.is_not(None))) if key}
    merged = aliases.resolve(session, PersonAlias, tenant_id, keys)
    return len({merged.get(key, key) for key in keys})


def refresh(session: Session, account: Account, *, cause: str, at: datetime,
            rules: TenantRules | None = None) -> list[Event]:
    """Recount the buying centre and recompute fit and quadrant; the events of what changed."""
    rules = rules or rules_for(session, account.tenant_id)
    account.active_stakeholders = active_stakeholders(session, account.tenant_id, account.account_id)
    account.updated_at = now()
    if not account.known:
        return []
    return [*refit(account, rules, cause=cause, at=at), *place_in_quadrant(account, rules, cause=cause, at=at)]


def refit(account: Account, rules: TenantRules, *, cause: str, at: datetime) -> list[Event]:
    fit = icp_fit(AccountFacts(industry=account.industry, employees=account.employees, region=account.region,
                               revenue=account.revenue), rules.icp)
    previous = account.icp_fit
    account.icp_fit, account.icp_reasons, account.icp_version = fit.score, fit.reasons, rules.icp_version
    if previous == fit.score:
        return []
    upserted = utc(account.upserted_at)
    when = max(at, upserted) if upserted else at
    return [new_event(
        type="rapport.insight.account.fit_changed", tenant_id=account.tenant_id, source=SOURCE, time=when,
        id=derived_id("fit", account.tenant_id, cause, account.account_id),
        data={"account_id": account.account_id, "icp_fit": fit.score, "previous_fit": previous,
              "reasons": fit.reasons, "icp_version": rules.icp_version})]


def place_in_quadrant(account: Account, rules: TenantRules, *, cause: str, at: datetime) -> list[Event]:
    """Place the account in its quadrant; a `quadrant_changed` event when it moved (or first placed).

    The event's time is the causing event's time, but never earlier than the account's previous
    quadrant event: consumers that keep the latest quadrant by event time then always end with the
    current one, even when the causing events arrived out of order.
    """
    assert account.tier is not None
    placement = place(account.tier, account.revenue, account.active_stakeholders, rules.quadrant)
    previous = account.quadrant
    account.customer_status, account.centre_size = placement.customer_status, placement.centre_size
    if previous == placement.quadrant:
        return []
    last = utc(account.quadrant_at)
    when = max(at, last) if last else at
    account.quadrant, account.quadrant_at = placement.quadrant, when
    return [new_event(
        type="rapport.insight.account.quadrant_changed", tenant_id=account.tenant_id, source=SOURCE, time=when,
        id=derived_id("quadrant", account.tenant_id, cause, account.account_id),
        data={"account_id": account.account_id, "quadrant": placement.quadrant,
              "customer_status": placement.customer_status, "centre_size": placement.centre_size,
              "stakeholders": account.active_stakeholders, "previous_quadrant": previous})]


def rescore_tenant(session: Session, tenant_id: str, rules: TenantRules, *, cause: str,
                   fit: bool, quadrant: bool) -> tuple[int, int, list[Event]]:
    """After a settings change: recompute every known account; (accounts, changed, events)."""
    at = now()
    accounts = session.scalars(select(Account).where(Account.tenant_id == tenant_id, Account.known.is_(True))
                               .order_by(Account.account_id).with_for_update()
                               .execution_options(populate_existing=True)).all()
    events: list[Event] = []
    changed = 0
    for account in accounts:
        derived: list[Event] = []
        if fit:
            derived += refit(account, rules, cause=cause, at=at)
        if quadrant:
            derived += place_in_quadrant(account, rules, cause=cause, at=at)
        if derived:
            account.updated_at = at
            changed += 1
        events += derived
    return len(accounts), changed, events
