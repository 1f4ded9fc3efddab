"""Content reads: parse, scope by the caller's tenant (and, for a rep key, the rep), call queries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from rapportkit.contracts.content import ContentDetail, ContentPage, EngagementGiven
from rapportkit.errors import ApiError, bad_request
from rapportkit.identity import Identity
from rapportkit.pagination import PageDep
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


def scoped_rep(identity: Identity, rep_id: str | None) -> str | None:
    """A `rep` key reads only its own rep's engagement; an `ingest` key reads nothing."""
    if identity.role == "ingest":
        raise ApiError(403, "forbidden", "an ingest key can write events but not read")
    if identity.role == "rep" and identity.rep_id:
        if rep_id is not None and rep_id != identity.rep_id:
            raise ApiError(403, "forbidden", "a rep key reads only its own rep's content")
        return identity.rep_id
    return rep_id


@router.get("/v1/content", response_model=ContentPage)
def list_content(identity: IdentityDep, session: SessionDep, params: PageDep, rep_id: RepQuery = None,
                 topic: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
                 kind: ContentKind | None = None,
                 owner: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                 from_: FromQuery = None, to: ToQuery = None) -> dict[str, Any]:
    return queries.list_content(session, tenant_id=identity.tenant_id, params=params,
                                rep_id=scoped_rep(identity, rep_id), topic=topic, kind=kind, owner=owner,
                                period=period(from_, to))


@router.get("/v1/content/{content_id:path}", response_model=ContentDetail)
def content_detail(content_id: LinkPathId, identity: IdentityDep, session: SessionDep, rep_id: RepQuery = None,
                   from_: FromQuery = None, to: ToQuery = None) -> dict[str, Any]:
    return queries.content_detail(session, tenant_id=identity.tenant_id, content_id=content_id,
                                  rep_id=scoped_rep(identity, rep_id), period=period(from_, to))


@router.get("/v1/reps/{rep_id}/engagement-given", response_model=EngagementGiven)
def engagement_given(rep_id: PathId, identity: IdentityDep, session: SessionDep, from_: FromQuery = None,
                     to: ToQuery = None) -> dict[str, Any]:
    return queries.engagement_given(session, tenant_id=identity.tenant_id,
                                    rep_id=scoped_rep(identity, rep_id) or rep_id, period=period(from_, to))
