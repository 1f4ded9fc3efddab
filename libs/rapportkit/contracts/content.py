"""Public contracts of the content service: items ranked by engagement, one item's engagement, and a
rep's engagement with other people's posts (the scoring is in docs/content.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from rapportkit.contracts.fields import Day, Number, Timestamp
from rapportkit.pagination import Page

KindCounts = dict[str, int]  # engagement kind (view, like, comment, share, click, download) → count


class Weights(BaseModel):
    """The weights of the score: one engager's points = kind weight × role weight."""

    kind: dict[str, Number]
    role: dict[str, Number]
    stranger: Number = Field(description="the role weight of an engager who is not a known stakeholder")


class ItemFields(BaseModel):
    content_id: str
    kind: str | None = Field(description="null until the item's content.item.published arrives")
    title: str | None
    topics: list[str]
    owner: str | None = Field(description='a rep_id, or "company"')
    url: str | None
    published: bool
    published_at: Timestamp | None


class EngagementSummary(BaseModel):
    score: Number
    stakeholder_score: Number
    other_score: Number
    by_kind: KindCounts
    people: int
    stakeholders: int
    unknown_people: int
    accounts: int
    last_engaged_at: Timestamp | None


class ContentListItem(ItemFields):
    rank: int
    shares: int
    sharing_reps: int
    engagement: EngagementSummary


class ContentPage(Page[ContentListItem]):
    """`GET /v1/content`: the page of ranked items, and the weights they were ranked with."""

    weights: Weights


class RepShares(BaseModel):
    rep_id: str
    shares: int
    by_channel: dict[str, int]
    first_shared_at: Timestamp | None
    last_shared_at: Timestamp | None


class Shares(BaseModel):
    total: int
    reps: int
    by_channel: dict[str, int]
    by_rep: list[RepShares]


class RepEngagement(BaseModel):
    rep_id: str
    score: Number
    by_kind: KindCounts
    people: int
    stakeholders: int


class AccountEngagement(BaseModel):
    account_id: str
    name: str | None
    tier: str | None
    stakeholders: int
    by_kind: KindCounts
    score: Number


class ScoreLine(BaseModel):
    """A line of the score: `people` engagers of one role × one kind; the lines add up to `score`."""

    role: str
    kind: str
    people: int
    kind_weight: Number
    role_weight: Number
    points: Number


class ItemEngagement(EngagementSummary):
    repeats_ignored: KindCounts = Field(description="repeated events of a kind counted once per person")
    by_rep: list[RepEngagement]
    by_account: list[AccountEngagement]
    breakdown: list[ScoreLine]


class Engager(BaseModel):
    stakeholder_id: str
    name: str | None
    title: str | None
    role: str | None
    seniority: str | None
    account_id: str
    account_name: str | None
    departed: bool
    by_kind: KindCounts
    score: Number
    first_engaged_at: Timestamp | None
    last_engaged_at: Timestamp | None


class Engaged(BaseModel):
    stakeholders: list[Engager] = Field(description="named stakeholders, highest score first")
    anonymous_stakeholders: int = Field(description="erased stakeholders: counted, never named")
    unknown_people: int


class ContentDetail(ItemFields):
    """`GET /v1/content/{content_id}`."""

    shares: Shares
    engagement: ItemEngagement
    engaged: Engaged
    weights: Weights


class GivenStakeholder(BaseModel):
    stakeholder_id: str
    name: str | None
    title: str | None
    role: str | None
    account_id: str
    account_name: str | None
    by_kind: KindCounts
    last_engaged_at: Timestamp | None


class GivenAccount(BaseModel):
    account_id: str
    name: str | None
    stakeholders: int
    events: int


class EngagementGiven(BaseModel):
    """`GET /v1/reps/{rep_id}/engagement-given`."""

    rep_id: str
    from_: Day | None = Field(alias="from")
    to: Day | None
    total: int
    by_kind: KindCounts
    stakeholders: list[GivenStakeholder]
    anonymous_stakeholders: int
    by_account: list[GivenAccount]
    unknown_people: int
    without_person: int
