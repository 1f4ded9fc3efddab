"""Public contracts of the network service: a rep's connections, conversations, meetings and
buying-centre coverage (definitions in docs/network.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rapportkit.contracts.fields import Number, Timestamp
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
