"""Public contracts of the network service: a rep's connections, conversations, meetings and
buying-centre coverage (definitions in docs/network.md), and the team relationship map
(docs/relationships.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from rapportkit.contracts.fields import Number, Person, Timestamp
from rapportkit.contracts.insight import SettingVersion
from rapportkit.pagination import Page

Ratio = Number  # 0–1, rounded to 4 places; null when its denominator is 0
Hours = Number  # rounded to 2 places


class ConnectionCounts(BaseModel):
    total: int
    accepted: int
    pending: int
    declined: int
    withdrawn: int
    outbound_requests: int
    inbound_requests: int
    without_request: int = Field(description="accepted connections with no recorded request")
    acceptance_rate: Ratio | None = Field(description="outbound requests now accepted / outbound requests")
    known_by_name: int = Field(description="connections with a person known only by name (a weak identity: "
                                           "no profile URL or e-mail seen for that name yet)")


class ConversationCounts(BaseModel):
    count: int
    two_way: int
    rep_initiated: int
    buyer_initiated: int
    reply_rate: Ratio | None = Field(description="the rep's turns the buyer answered / the rep's turns")
    median_response_hours: Hours | None = Field(description="the rep answering the buyer")
    median_reply_hours: Hours | None = Field(description="the buyer answering the rep")
    median_depth: Number | None = Field(description="turns per conversation")
    by_channel: dict[str, int]


class MessageCounts(BaseModel):
    sent: int
    received: int
    pitches: int
    pitch_share: Ratio | None
    pitches_within_24h_of_acceptance: int


class MeetingCounts(BaseModel):
    booked: int
    held: int
    held_rate: Ratio | None
    from_conversations: int
    held_from_conversations: int
    conversations_converted: int
    conversion_rate: Ratio | None


class CoverageCounts(BaseModel):
    stakeholders: int = Field(description="active stakeholders")
    connected: int
    contacted: int
    two_way: int


class AccountCoverage(CoverageCounts):
    account_id: str
    name: str | None
    tier: str | None
    share_connected: Ratio | None
    share_two_way: Ratio | None
    by_role: dict[str, CoverageCounts]


class RepNetwork(BaseModel):
    """`GET /v1/reps/{rep_id}/network`."""

    rep_id: str
    connections: ConnectionCounts
    conversations: ConversationCounts
    messages: MessageCounts
    meetings: MeetingCounts
    coverage: list[AccountCoverage] = Field(description="one entry per account touched, by account id")


class ConversationRead(BaseModel):
    """One conversation of `GET /v1/reps/{rep_id}/conversations`."""

    conversation_id: str
    channel: str
    initiated_by: Literal["rep", "buyer"]
    first_message_at: Timestamp
    last_message_at: Timestamp
    messages_sent: int
    messages_received: int
    depth: int = Field(description="turns: runs of messages in one direction")
    two_way: bool
    reply_rate: Ratio | None
    median_response_hours: Hours | None
    median_reply_hours: Hours | None
    pitches: int
    meetings: list[str] = Field(description="ids of the meetings it led to")


ConversationPage = Page[ConversationRead]


# --- the team relationship map (docs/relationships.md) -------------------------------------------

ProfileUrlQuery = Annotated[str | None, Query(min_length=1, max_length=2000,
                                              description="the person's profile URL (or give `email`)")]
EmailQuery = Annotated[str | None, Query(min_length=1, max_length=2000,
                                         description="the person's e-mail (or give `profile_url`)")]
Factor = Literal["connection", "conversations", "meetings", "engagement", "recency"]
Role = Literal["decision_maker", "economic_buyer", "champion", "influencer", "user", "gatekeeper", "unknown"]


class RelationshipSettings(BaseModel):
    """A tenant's relationship settings as set with `PUT /v1/settings/relationships`."""

    model_config = ConfigDict(extra="forbid")
    half_life_days: float = Field(180.0, gt=0, le=3650,
                                  description="a relationship's strength halves with every this many days "
                                              "since the last touch")


class RelationshipSettingsRead(SettingVersion, RelationshipSettings):
    """`GET` / `PUT /v1/settings/relationships`."""


class StrengthFactor(BaseModel):
    factor: Factor
    value: Number | bool | None = Field(description="the fact: whether connected, a count, or days since the "
                                                    "last touch (recency)")
    score: Number = Field(description="0–1: the saturating score of the count, or the decay (recency)")
    weight: Number | None = Field(description="the factor's weight; null for recency, which multiplies")
    contribution: Number = Field(description="what the factor adds to the strength (recency: what time took "
                                             "away, ≤ 0)")


class RepRelationship(BaseModel):
    rep_id: str
    strength: Number | None = Field(description="0–1, 4 places; null when the caller may not see it "
                                                "(docs/relationships.md, \"Access\")")
    factors: list[StrengthFactor] | None
    last_touch: Timestamp | None


class StakeholderRelationships(BaseModel):
    stakeholder_id: str
    role: Role
    person_key: str | None
    person: Person | None = Field(description="as the latest identification named them; null once erased")
    departed_at: Timestamp | None = Field(None, description="departed stakeholders only")
    reps: list[RepRelationship] = Field(description="the reps who know the person, strongest first")


class RelationshipCoverage(BaseModel):
    stakeholders: int = Field(description="active stakeholders")
    known: int = Field(description="of them, those at least one rep knows")
    share: Ratio | None = Field(description="known / stakeholders; null without stakeholders")


class AccountRelationships(BaseModel):
    """`GET /v1/accounts/{account_id}/relationships`: who on the team knows each stakeholder."""

    account_id: str
    name: str | None
    tier: str | None
    half_life_days: Number
    stakeholders: list[StakeholderRelationships] = Field(description="active stakeholders by role, then id")
    uncovered: list[StakeholderRelationships] = Field(description="active stakeholders nobody knows")
    coverage: RelationshipCoverage
    roles_uncovered: list[Role] = Field(description="named roles of the buying centre no rep reaches: no "
                                                    "active stakeholder of that role is known by a rep")
    departed: list[StakeholderRelationships] = Field(description="departed stakeholders, with the reps who "
                                                                 "knew them")


class StakeholderOf(BaseModel):
    account_id: str
    stakeholder_id: str
    role: Role
    active: bool


class PersonRelationships(BaseModel):
    """`GET /v1/people/relationships`: who on the team knows this person, strongest first."""

    person_key: str
    person: Person | None = Field(description="the person as the service last saw them named, when known")
    stakeholder_of: list[StakeholderOf]
    half_life_days: Number
    reps: list[RepRelationship]
