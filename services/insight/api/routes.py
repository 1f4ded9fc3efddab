"""Insight routes: accounts, signals and the per-tenant ICP and quadrant settings.

Reads are open to every role of the tenant but `ingest`; settings changes need `admin`
(rapportkit.access).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from rapportkit import access, csv_export, outbox
from rapportkit.contracts.insight import (
    AccountDetail,
    AccountPage,
    AccountQuery,
    AccountSummary,
    ActionedQuery,
    IcpChanged,
    IcpProfile,
    IcpRead,
    KindQuery,
    MinFitQuery,
    QuadrantQuery,
    QuadrantRules,
    QuadrantRulesChanged,
    QuadrantRulesRead,
    SignalPage,
    SinceQuery,
    SortQuery,
    TierQuery,
)
from rapportkit.db import unit_of_work
from rapportkit.envelope import parse_time
from rapportkit.errors import bad_request, not_found
from rapportkit.identity import Identity
from rapportkit.pagination import PageDep, page
from rapportkit.params import PathId
from rapportkit.web import IdentityDep, SessionDep
from services.insight import accounts, queries, settings
from services.insight.settings import ICP, QUADRANT, TenantRules

router = APIRouter()


def parse_since(since: str | None) -> datetime | None:
    if since is None:
        return None
    text = since.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        return parse_time(text)
    except ValueError as exc:
        raise bad_request(["query", "since"], "expected a date (2026-11-20) or a timestamp with an offset "
                                              f"(2026-11-20T09:30:00Z): {exc}") from exc


@router.get("/v1/accounts", response_model=AccountPage, responses=csv_export.CSV_ANSWER)
def list_accounts(request: Request, identity: IdentityDep, session: SessionDep, params: PageDep,
                  tier: TierQuery = None, quadrant: QuadrantQuery = None, min_fit: MinFitQuery = None,
                  sort: SortQuery = "fit") -> dict[str, Any] | Response:
    """A page of accounts; as CSV every matching account, read in batches while it streams."""
    access.require(identity, access.READERS, "read insight data")
    if csv_export.wants_csv(request):
        def every_account() -> Iterator[dict[str, Any]]:
            offset = 0
            while batch := queries.list_accounts(session, tenant_id=identity.tenant_id, tiers=tier or [],
                                                 quadrants=quadrant or [], min_fit=min_fit, sort=sort,
                                                 limit=csv_export.CHUNK_ROWS, offset=offset)[0]:
                yield from batch
                offset += len(batch)
        return csv_export.response(every_account(), csv_export.columns(AccountSummary), filename="accounts.csv")
    items, total = queries.list_accounts(session, tenant_id=identity.tenant_id, tiers=tier or [],
                                         quadrants=quadrant or [], min_fit=min_fit, sort=sort,
                                         limit=params.limit, offset=params.offset)
    return page(items, total=total, params=params)


@router.get("/v1/accounts/{account_id}", response_model=AccountDetail)
def get_account(account_id: PathId, identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.READERS, "read insight data")
    detail = queries.account_detail(session, tenant_id=identity.tenant_id, account_id=account_id,
                                    reps=access.reach(identity))
    if detail is None:
        raise not_found(f"account {account_id!r}")
    return detail


@router.get("/v1/signals", response_model=SignalPage)
def list_signals(identity: IdentityDep, session: SessionDep, params: PageDep, account_id: AccountQuery = None,
                 kind: KindQuery = None, since: SinceQuery = None, actioned: ActionedQuery = None) -> dict[str, Any]:
    access.require(identity, access.READERS, "read insight data")
    items, total = queries.list_signals(session, tenant_id=identity.tenant_id, account_id=account_id,
                                        kinds=kind or [], since=parse_since(since), actioned=actioned,
                                        limit=params.limit, offset=params.offset, reps=access.reach(identity))
    return page(items, total=total, params=params)


@router.get("/v1/settings/icp", response_model=IcpRead)
def get_icp(identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.READERS, "read insight data")
    return settings.read(session, identity.tenant_id, ICP)


@router.get("/v1/settings/quadrant", response_model=QuadrantRulesRead)
def get_quadrant_rules(identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.READERS, "read insight data")
    return settings.read(session, identity.tenant_id, QUADRANT)


def _change(request: Request, identity: Identity, kind: str, value: IcpProfile | QuadrantRules) -> dict[str, Any]:
    """Store a setting and rescore the tenant's accounts in one transaction with the derived events."""
    access.require(identity, access.ADMIN, "change the tenant's insight settings")
    tenant = identity.tenant_id
    with unit_of_work(request.app.state.session_factory) as session:
        rows = settings.lock_for_update(session, tenant)
        row, stored = rows[kind], value.model_dump(mode="json")
        rescored = changed = 0
        if row.value != stored or row.version == 0:
            row.value, row.version, row.updated_at = stored, row.version + 1, accounts.now()
            rules = TenantRules(icp=IcpProfile.model_validate(rows[ICP].value), icp_version=rows[ICP].version,
                                quadrant=QuadrantRules.model_validate(rows[QUADRANT].value),
                                quadrant_version=rows[QUADRANT].version)
            rescored, changed, events = accounts.rescore_tenant(
                session, tenant, rules, cause=f"{kind}-settings-v{row.version}", fit=kind == ICP,
                quadrant=kind == QUADRANT)
            outbox.add_many(session, events)
        session.flush()
        return {**settings.read(session, tenant, kind), "accounts": {"rescored": rescored, "changed": changed}}


@router.put("/v1/settings/icp", response_model=IcpChanged)
def put_icp(body: IcpProfile, request: Request, identity: IdentityDep) -> dict[str, Any]:
    return _change(request, identity, ICP, body)


@router.put("/v1/settings/quadrant", response_model=QuadrantRulesChanged)
def put_quadrant_rules(body: QuadrantRules, request: Request, identity: IdentityDep) -> dict[str, Any]:
    return _change(request, identity, QUADRANT, body)
