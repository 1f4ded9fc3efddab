"""Public contracts of the scoring service: scores, the leaderboard, alerts, outcome reports, the
evidence report, contingency recommendations and the tenant's scoring settings (docs/scoring.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from rapportkit.contracts.fields import Day, Number, Timestamp

Ratio = Number  # 0–1, rounded to 4 places; null when its denominator is 0


class Pillars(BaseModel):
    """The four pillars of 0–25 each (rounded to 2 places); the total is their sum."""

    insight: Number
    connect: Number
    engage: Number
    brand: Number


class Factor(BaseModel):
    pillar: str
    name: str
    raw: Number = Field(description="the measured value in the window")
    saturation: Number = Field(description="0–1")
    weight: Number
    contribution: Number = Field(description="weight × saturation, before the dark side's penalties")


class ScoreRead(BaseModel):
    """`GET /v1/reps/{rep_id}/score`."""

    rep_id: str
    date: Day
    total: Number
    pillars: Pillars
    factors: list[Factor]
    formula_version: str
    window_days: int


class DayScore(BaseModel):
    date: Day
    total: Number
    pillars: Pillars


class ScoreHistory(BaseModel):
    """`GET /v1/reps/{rep_id}/score/history`: one entry per day, oldest first."""

    rep_id: str
    from_: Day = Field(alias="from")
    to: Day
    formula_version: str
    series: list[DayScore]


class LeaderboardLine(BaseModel):
    rep_id: str
    name: str | None
    team_id: str | None
    total: Number
    pillars: Pillars
    rank: int


LEADERBOARD_MAX = 1000  # the largest `limit` of GET /v1/leaderboard


class Leaderboard(BaseModel):
    """`GET /v1/leaderboard`."""

    date: Day
    team_id: str | None
    window_days: int
    reps: list[LeaderboardLine] = Field(description="the first `limit` reps, highest total first")
    total_reps: int = Field(description="reps ranked, listed or not")


class Alert(BaseModel):
    kind: str
    date: Day
    evidence: dict[str, Any] = Field(description="what triggered it; its fields depend on the kind")
    raised_at: Timestamp


class Alerts(BaseModel):
    """`GET /v1/reps/{rep_id}/alerts`, newest day first."""

    rep_id: str
    alerts: list[Alert]


class OutcomeCounts(BaseModel):
    leads: int
    qualified: int
    opportunities: int
    won: int
    lost: int
    win_rate: Ratio | None = Field(description="won / (won + lost)")
    median_cycle_days: Number | None = Field(description="created to closed, over won opportunities")
    won_amount: Number
    referrals: int
    socially_influenced: Ratio | None = Field(description="share of the opportunities socially influenced")
    influenced_win_rate: Ratio | None
    other_win_rate: Ratio | None


class RepOutcomes(OutcomeCounts):
    rep_id: str


class TeamOutcomes(OutcomeCounts):
    team_id: str


class Outcomes(BaseModel):
    """`GET /v1/reports/outcomes`: one group per rep (`rep_id`) or per team (`team_id`)."""

    group_by: Literal["rep", "team"]
    from_: Day | None = Field(alias="from")
    to: Day | None
    attribution_window_days: int
    groups: list[RepOutcomes | TeamOutcomes]


class Correlation(BaseModel):
    measure: str = Field(description="a pillar, or total")
    outcome: Literal["win_rate", "won_amount"]
    rho: Number | None = Field(description="Spearman's rank correlation")
    p_value: Number | None = Field(description="two-sided")
    n: int


class Evidence(BaseModel):
    """`GET /v1/reports/evidence`."""

    date: Day
    n: int = Field(description="reps with at least one closed opportunity")
    correlations: list[Correlation]
    note: str


class Recommendation(BaseModel):
    """`GET /v1/accounts/{account_id}/recommendation`."""

    account_id: str
    quadrant: str
    recommendation: str | None
    since: Timestamp | None


class ScoringSettingsRead(BaseModel):
    """`GET` and `PUT /v1/settings/scoring`: the tenant's settings, defaults filled in."""

    window_days: int
    pitch_window_hours: Number
    attribution_window_days: int
    spam_min_outbound: int
    spam_max_reply_rate: Number
    mass_min_recipients: int
    intrusive_min_touches: int
    intrusive_min_share: Number
    weights: dict[str, Number] = Field(description="factor name → weight, where the tenant changed it")
