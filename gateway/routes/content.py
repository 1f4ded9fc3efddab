"""Public routes owned by the content service (forwarded unchanged; parameters declared here so the
gateway's OpenAPI documents them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway.auth import CallerDep
from gateway.forward import forward
from rapportkit.contracts.content import ContentDetail, ContentPage, EngagementGiven
from rapportkit.csv_export import CSV_ANSWER
from rapportkit.pagination import PageDep
from rapportkit.params import LinkPathId, PathId

router = APIRouter(tags=["content"])

ContentKind = Literal["post", "article", "video", "document", "asset"]
RepQuery = Annotated[str | None, Query(min_length=1, max_length=200,
                                       description="only this rep's content, shares and the engagement their "
                                                   "shares received")]
FromQuery = Annotated[date | None, Query(alias="from", description="first day (UTC) of the period, inclusive")]
ToQuery = Annotated[date | None, Query(description="last day (UTC) of the period, inclusive")]


@router.get("/v1/content", response_model=ContentPage,
            responses=CSV_ANSWER,
            summary="Content ranked by engagement from target stakeholders")
async def list_content(request: Request, caller: CallerDep, page: PageDep, rep_id: RepQuery = None,
                       topic: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
                       kind: ContentKind | None = None,
                       owner: Annotated[str | None, Query(min_length=1, max_length=200,
                                                          description='a rep_id, or "company"')] = None,
                       from_: FromQuery = None, to: ToQuery = None) -> Response:
    """Items with activity in scope (published, shared or engaged with; by the rep and in the period
    when given), ranked by score = Σ kind weight × role weight over each engager and kind (weights in
    the response and in docs/content.md), paginated."""
    return await forward("content", request, caller)


@router.get("/v1/content/{content_id:path}", response_model=ContentDetail,
            summary="One content item's engagement: by kind, by account, who")
async def content_detail(content_id: LinkPathId, request: Request, caller: CallerDep, rep_id: RepQuery = None,
                         from_: FromQuery = None, to: ToQuery = None) -> Response:
    """Shares per rep and channel; engagement by kind, by rep and by account with the score's lines;
    the stakeholders who engaged, named with role and account; other people counted. 404 for an
    unknown item."""
    return await forward("content", request, caller)


@router.get("/v1/reps/{rep_id}/engagement-given", response_model=EngagementGiven,
            summary="A rep's engagement with other people's posts")
async def engagement_given(rep_id: PathId, request: Request, caller: CallerDep, from_: FromQuery = None,
                           to: ToQuery = None) -> Response:
    """Likes/reactions, comments and shares the rep gave, by kind, with the stakeholders and
    accounts engaged that way."""
    return await forward("content", request, caller)
