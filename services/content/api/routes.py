"""Content reads: parse, scope by the caller's tenant and reach (rapportkit.access), call queries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rapportkit import access, csv_export
from rapportkit.contracts.content import ContentDetail, ContentListItem, ContentPage, EngagementGiven
from rapportkit.errors import bad_request
from rapportkit.pagination import PageDep, PageParams
from rapportkit.params import LinkPathId, PathId
from rapportkit.web import IdentityDep, SessionDep
from services.content import queries
from services.content.queries import Period

router = APIRouter()

ContentKind = Literal["post", "article", "video", "document", "asset"]
RepQuery = Annotated[str | None, Query(min_length=1, max_length=200, description="only this rep's content, "
                                       "shares and the engagement their shares received")]
FromQuery = Annotated[date | None, Query(alias="from", description="first day (UTC) of the period, inclusive")]
ToQuery = Annotated[date | None, Query(description="last day (UTC) of the period, inclusive")]


def period(start: date | None, end: date | None) -> Period:
    if start is not None and end is not None and start > end:
        raise bad_request(["query", "from"], "must be on or before `to`")
    return Period(start, end)


@router.get("/v1/content", response_model=ContentPage, responses=csv_export.CSV_ANSWER)
def list_content(request: Request, identity: IdentityDep, session: SessionDep, params: PageDep,
                 rep_id: RepQuery = None, topic: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
                 kind: ContentKind | None = None,
                 owner: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                 from_: FromQuery = None, to: ToQuery = None) -> dict[str, Any] | Response:
    """A rep key's list is its own content, shares and engagement; others may name a rep in reach.
    As CSV, the whole ranking (the ranking is computed whole for any page)."""
    access.require(identity, access.READERS, "read content")
    as_csv = csv_export.wants_csv(request)
    ranked = queries.list_content(session, tenant_id=identity.tenant_id,
                                  params=PageParams(limit=2**62, offset=0) if as_csv else params,
                                  rep_id=access.rep_filter(identity, rep_id), topic=topic, kind=kind, owner=owner,
                                  period=period(from_, to))
    if as_csv:
        return csv_export.response(ranked["items"], csv_export.columns(ContentListItem), filename="content.csv")
    return ranked


@router.get("/v1/content/{content_id:path}", response_model=ContentDetail)
def content_detail(content_id: LinkPathId, identity: IdentityDep, session: SessionDep, rep_id: RepQuery = None,
                   from_: FromQuery = None, to: ToQuery = None) -> dict[str, Any]:
    """The item's aggregates for the tenant (a rep key: its own engagement); per-rep lines only of
    reps in the caller's reach."""
    access.require(identity, access.READERS, "read content")
    return queries.content_detail(session, tenant_id=identity.tenant_id, content_id=content_id,
                                  rep_id=access.rep_filter(identity, rep_id), period=period(from_, to),
                                  reps=access.reach(identity))


@router.get("/v1/reps/{rep_id}/engagement-given", response_model=EngagementGiven)
def engagement_given(rep_id: PathId, identity: IdentityDep, session: SessionDep, from_: FromQuery = None,
                     to: ToQuery = None) -> dict[str, Any]:
    access.check_rep(identity, rep_id)
    return queries.engagement_given(session, tenant_id=identity.tenant_id, rep_id=rep_id,
                                    period=period(from_, to))
