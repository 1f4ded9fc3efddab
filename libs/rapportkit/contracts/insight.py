"""Public contracts of the insight service: accounts, signals and the tenant's ICP and quadrant rules.

The ICP and quadrant rules are request bodies (`PUT /v1/settings/icp`, `/quadrant`) as well as the
stored settings the service scores with; their rules are documented in services/insight/icp.py and
quadrant.py and in docs/insight.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rapportkit.catalog import TIERS
from rapportkit.contracts.fields import Number, Person, Timestamp
from rapportkit.pagination import Page

Tier = Literal["strategic", "key", "standard"]
CustomerStatus = Literal["high", "low"]
CentreSize = Literal["small", "large"]
Quadrant = Literal["high_status_small_centre", "high_status_large_centre", "low_status_small_centre",
                   "low_status_large_centre"]
Criterion = Literal["industries", "employees", "regions", "revenue"]
CRITERIA: tuple[Criterion, ...] = ("industries", "employees", "regions", "revenue")
CriterionStatus = Literal["met", "partial", "missed", "unknown"]
AccountSort = Literal["fit", "name", "updated"]
SignalKind = Literal["job_change", "funding", "hiring", "topic_post", "pain_point", "competitor_mention",
                     "company_news"]
DEFAULT_HIGH_STATUS: tuple[Tier, ...] = ("strategic", "key")

# --- query parameters (the gateway declares them too, and refuses a malformed one before forwarding) ---

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


# --- settings: request bodies, and the stored values the reads show ---------------------------------

class Range(BaseModel):
    """An inclusive range; either end may be open (null)."""

    model_config = ConfigDict(extra="forbid")
    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class IcpProfile(BaseModel):
    """A tenant's ICP as set with `PUT /v1/settings/icp`; omitted criteria are not part of it."""

    model_config = ConfigDict(extra="forbid")
    industries: list[str] = Field(default_factory=list, max_length=200)
    employees: Range | None = None
    regions: list[str] = Field(default_factory=list, max_length=200)
    revenue: Range | None = None
    weights: dict[Criterion, float] = Field(default_factory=dict)

    @field_validator("industries", "regions")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(v.split()) for v in values]
        if any(not v or len(v) > 500 for v in cleaned):
            raise ValueError("each entry must be a non-blank name of at most 500 characters")
        return list(dict.fromkeys(cleaned))

    @field_validator("weights")
    @classmethod
    def _weights(cls, values: dict[Criterion, float]) -> dict[Criterion, float]:
        if any(w < 0 or w > 100 for w in values.values()):
            raise ValueError("weights must be between 0 and 100")
        return values

    def configured(self) -> list[Criterion]:
        """The criteria this ICP sets, in the fixed order of CRITERIA."""
        present = {"industries": bool(self.industries), "employees": self.employees is not None,
                   "regions": bool(self.regions), "revenue": self.revenue is not None}
        return [c for c in CRITERIA if present[c]]

    def weight(self, criterion: Criterion) -> float:
        return float(self.weights.get(criterion, 1.0))


class QuadrantRules(BaseModel):
    """A tenant's quadrant settings as set with `PUT /v1/settings/quadrant` (defaults of docs/contracts.md)."""

    model_config = ConfigDict(extra="forbid")
    high_status_tiers: list[Tier] = Field(default_factory=lambda: list(DEFAULT_HIGH_STATUS))
    large_centre_min: int = Field(4, ge=1, le=1000)
    high_status_min_revenue: float | None = Field(None, ge=0)

    @field_validator("high_status_tiers")
    @classmethod
    def _unique(cls, values: list[Tier]) -> list[Tier]:
        return sorted(set(values), key=TIERS.index)


class SettingVersion(BaseModel):
    version: int = Field(description="0 while the tenant has the defaults; +1 on every change")
    updated_at: Timestamp | None = Field(description="when it last changed; null for the defaults")


class Rescored(BaseModel):
    rescored: int = Field(description="accounts whose fit or placement was computed again")
    changed: int = Field(description="of those, accounts whose fit or quadrant changed")


class IcpRead(SettingVersion, IcpProfile):
    """`GET /v1/settings/icp`."""


class IcpChanged(IcpRead):
    """`PUT /v1/settings/icp`: the stored ICP and what the rescoring changed."""

    accounts: Rescored


class QuadrantRulesRead(SettingVersion, QuadrantRules):
    """`GET /v1/settings/quadrant`."""


class QuadrantRulesChanged(QuadrantRulesRead):
    """`PUT /v1/settings/quadrant`: the stored rules and what placing the accounts again changed."""

    accounts: Rescored


# --- accounts ------------------------------------------------------------------------------------

class BuyingCentreSize(BaseModel):
    size: int = Field(description="active stakeholders (distinct people)")
    class_: CentreSize | None = Field(alias="class", description="small or large, by the tenant's quadrant rules")


class AccountSummary(BaseModel):
    """An account as `GET /v1/accounts` lists it."""

    account_id: str
    name: str | None
    tier: Tier | None
    industry: str | None
    employees: int | None
    region: str | None
    revenue: Number | None
    icp_fit: Number | None = Field(description="0–1; null without an ICP")
    customer_status: CustomerStatus | None
    buying_centre: BuyingCentreSize
    quadrant: Quadrant | None
    updated_at: Timestamp | None = Field(description="event time of the latest account.upserted")


AccountPage = Page[AccountSummary]


class IcpReason(BaseModel):
    """One criterion of the ICP and how the account meets it (services/insight/icp.py)."""

    criterion: Criterion
    status: CriterionStatus
    score: Number
    weight: Number
    contribution: Number = Field(description="weight × score / Σ weights: its share of the fit")
    value: Any = Field(description="the account's value (null when unknown)")
    expected: Any = Field(description="what the ICP expects: a list of names, or a {min, max} range")
    detail: str


class StakeholderRead(BaseModel):
    stakeholder_id: str
    person_key: str | None = Field(description="null once the person is erased")
    person: Person | None = Field(description="null once the person is erased")
    identity: Literal["strong", "weak"] | None = Field(
        None, description="weak: known by name only (person_key `name:…`, no profile URL or e-mail); null once erased")
    role: str | None
    seniority: str | None
    identified_at: Timestamp | None
    erased: bool


class BuyingCentre(BuyingCentreSize):
    large_from: int = Field(description="the tenant's `large_centre_min`")
    roles_covered: list[str]
    roles_missing: list[str]
    departed: list[StakeholderRead]


class NoteRead(BaseModel):
    rep_id: str
    text: str
    recorded_at: Timestamp | None
    redacted: bool


class Research(BaseModel):
    followers: list[str] = Field(description="reps who follow the account")
    notes: int
    last_note_at: Timestamp | None
    recent_notes: list[NoteRead] = Field(description="the 10 newest")
    stakeholder_profile_views: int


class SignalCounts(BaseModel):
    captured: int
    actioned: int
    open: int


class AccountDetail(AccountSummary):
    """`GET /v1/accounts/{account_id}`."""

    icp_reasons: list[IcpReason]
    icp_version: int | None
    stakeholders: dict[str, list[StakeholderRead]] = Field(description="active stakeholders by role")
    buying_centre: BuyingCentre
    quadrant_since: Timestamp | None
    research: Research
    signals: SignalCounts


# --- signals -------------------------------------------------------------------------------------

class SignalRead(BaseModel):
    """A captured signal and whether, when, by whom and how fast it was actioned."""

    signal_id: str
    kind: SignalKind | None
    strength: Number | None
    source: str | None
    account_id: str | None
    person: Person | None
    captured_by: str | None
    captured_at: Timestamp | None
    actioned: bool
    actioned_at: Timestamp | None = Field(description="the first action")
    actioned_by: str | None
    action: str | None
    actions: int
    latency_hours: Number | None = Field(description="hours from capture to the first action")


SignalPage = Page[SignalRead]
