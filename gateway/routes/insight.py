"""Public routes owned by the insight service: accounts, signals and the tenant's insight settings.

Query parameters, bodies and answers are declared with the service's public types
(rapportkit.contracts.insight), so the gateway's OpenAPI shows them and a malformed request is refused
here (422 naming the field) before it is forwarded.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.forward import forward
from rapportkit.contracts.insight import (
    AccountDetail,
    AccountPage,
    AccountQuery,
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
from rapportkit.csv_export import CSV_ANSWER
from rapportkit.pagination import PageDep
from rapportkit.params import PathId

router = APIRouter(tags=["insight"])


@router.get("/v1/accounts", response_model=AccountPage,
            responses=CSV_ANSWER,
            summary="Accounts with tier, ICP fit, buying-centre size and quadrant")
async def list_accounts(request: Request, caller: CallerDep, _page: PageDep, tier: TierQuery = None,
                        quadrant: QuadrantQuery = None, min_fit: MinFitQuery = None,
                        sort: SortQuery = "fit") -> Response:
    return await forward("insight", request, caller)


@router.get("/v1/accounts/{account_id}", response_model=AccountDetail,
            summary="One account: ICP fit with reasons, stakeholders by role, buying centre, quadrant")
async def get_account(account_id: PathId, request: Request, caller: CallerDep) -> Response:
    return await forward("insight", request, caller)


@router.get("/v1/signals", response_model=SignalPage,
            summary="Insight signals with whether, when, by whom and how fast they were actioned")
async def list_signals(request: Request, caller: CallerDep, _page: PageDep, account_id: AccountQuery = None,
                       kind: KindQuery = None, since: SinceQuery = None, actioned: ActionedQuery = None) -> Response:
    return await forward("insight", request, caller)


@router.get("/v1/settings/icp", response_model=IcpRead, summary="The tenant's ideal customer profile")
async def get_icp(request: Request, caller: CallerDep) -> Response:
    return await forward("insight", request, caller)


@router.put("/v1/settings/icp", response_model=IcpChanged,
            summary="Set the tenant's ideal customer profile (every account is rescored)")
async def put_icp(body: IcpProfile, request: Request, caller: CallerDep) -> Response:
    return await forward("insight", request, caller)


@router.get("/v1/settings/quadrant", response_model=QuadrantRulesRead,
            summary="The tenant's contingency-quadrant rules")
async def get_quadrant_rules(request: Request, caller: CallerDep) -> Response:
    return await forward("insight", request, caller)


@router.put("/v1/settings/quadrant", response_model=QuadrantRulesChanged,
            summary="Set the tenant's contingency-quadrant rules (every account is placed again)")
async def put_quadrant_rules(body: QuadrantRules, request: Request, caller: CallerDep) -> Response:
    return await forward("insight", request, caller)
