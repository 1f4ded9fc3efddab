"""Public routes owned by the insight service: accounts, signals and the tenant's insight settings.

Query parameters and bodies are declared with the service's own types, so the gateway's OpenAPI
shows them and a malformed request is refused here (422 naming the field) before it is forwarded.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.upstream import Upstreams
from rapportkit.pagination import PageDep
from rapportkit.params import PathId
from services.insight.api.schemas import (
    AccountQuery,
    ActionedQuery,
    IcpProfile,
    KindQuery,
    MinFitQuery,
    QuadrantQuery,
    QuadrantRules,
    SinceQuery,
    SortQuery,
    TierQuery,
)

router = APIRouter(tags=["insight"])


async def _forward(request: Request, caller: CallerDep) -> Response:
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.forward("insight", request, caller)


@router.get("/v1/accounts", summary="Accounts with tier, ICP fit, buying-centre size and quadrant")
async def list_accounts(request: Request, caller: CallerDep, _page: PageDep, tier: TierQuery = None,
                        quadrant: QuadrantQuery = None, min_fit: MinFitQuery = None,
                        sort: SortQuery = "fit") -> Response:
    return await _forward(request, caller)


@router.get("/v1/accounts/{account_id}",
            summary="One account: ICP fit with reasons, stakeholders by role, buying centre, quadrant")
async def get_account(account_id: PathId, request: Request, caller: CallerDep) -> Response:
    return await _forward(request, caller)


@router.get("/v1/signals", summary="Insight signals with whether, when, by whom and how fast they were actioned")
async def list_signals(request: Request, caller: CallerDep, _page: PageDep, account_id: AccountQuery = None,
                       kind: KindQuery = None, since: SinceQuery = None, actioned: ActionedQuery = None) -> Response:
    return await _forward(request, caller)


@router.get("/v1/settings/icp", summary="The tenant's ideal customer profile")
async def get_icp(request: Request, caller: CallerDep) -> Response:
    return await _forward(request, caller)


@router.put("/v1/settings/icp", summary="Set the tenant's ideal customer profile (every account is rescored)")
async def put_icp(body: IcpProfile, request: Request, caller: CallerDep) -> Response:
    return await _forward(request, caller)


@router.get("/v1/settings/quadrant", summary="The tenant's contingency-quadrant rules")
async def get_quadrant_rules(request: Request, caller: CallerDep) -> Response:
    return await _forward(request, caller)


@router.put("/v1/settings/quadrant",
            summary="Set the tenant's contingency-quadrant rules (every account is placed again)")
async def put_quadrant_rules(body: QuadrantRules, request: Request, caller: CallerDep) -> Response:
    return await _forward(request, caller)
