"""Parameter and body types of the insight API, shared with the gateway's route declarations (so
the gateway's OpenAPI shows them and refuses a malformed request before forwarding it)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from services.insight.icp import IcpProfile
from services.insight.quadrant import Quadrant, QuadrantRules, Tier

AccountSort = Literal["fit", "name", "updated"]
SignalKind = Literal["job_change", "funding", "hiring", "topic_post", "pain_point", "competitor_mention",
                     "company_news"]

TierQuery = Annotated[list[Tier] | None, Query(description="only these tiers (repeat for several)")]
QuadrantQuery = Annotated[list[Quadrant] | None, Query(description="only these quadrants (repeat for several)")]
MinFitQuery = Annotated[float | None, Query(ge=0, le=1, description="only accounts with an ICP fit at least this")]
SortQuery = Annotated[AccountSort, Query(description="fit (highest first, default), name, or updated (newest first)")]
AccountQuery = Annotated[str | None, Query(min_length=1, max_length=200,
                                           description="signals about this account or one of its stakeholders")]
KindQuery = Annotated[list[SignalKind] | None, Query(description="only these kinds (repeat for several)")]
SinceQuery = Annotated[str | None, Query(description="captured at or after: a date (UTC midnight) or an RFC 3339 "
                                                     "timestamp with an offset")]
ActionedQuery = Annotated[bool | None, Query(description="true: only actioned signals; false: only open ones")]

__all__ = ["AccountQuery", "AccountSort", "ActionedQuery", "IcpProfile", "KindQuery", "MinFitQuery", "QuadrantQuery",
           "QuadrantRules", "SignalKind", "SinceQuery", "SortQuery", "TierQuery"]
