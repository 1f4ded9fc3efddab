"""Conversation and meeting metrics (pure, no I/O). Definitions are in docs/network.md.

A conversation is a rep's thread (``conversation_id``); its messages are ordered by event time
(ties by arrival). A **turn** is a maximal run of consecutive messages in one direction
(outbound = the rep wrote, inbound = the buyer wrote):

* ``initiated_by``: ``rep`` when the first message is outbound, else ``buyer``;
* ``two_way``: at least one message in each direction;
* ``depth``: the number of turns (out, out, in → 2; out, in, out → 3);
* ``reply_rate``: outbound turns followed by an inbound turn / outbound turns (a follow-up sent
  before any answer belongs to the same turn; the rep's last turn, still unanswered, counts);
* ``response_hours`` (the **rep's** response time): for every inbound turn the rep answered, hours
  from the first message of that inbound turn (when the buyer started waiting) to the rep's answer;
* ``reply_hours`` (the **buyer's** reply time): for every outbound turn the buyer answered, hours
  from the first message of that outbound turn to the buyer's reply.

Rates and medians over several conversations pool the turns of all of them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.network.connections import ratio

REP, BUYER = "rep", "buyer"
PITCH_WINDOW = timedelta(hours=24)  # "connect, then immediately pitch" (scoring's default window)


@dataclass(frozen=True)
class Message:
    conversation_id: str
    outbound: bool
    at: datetime
    person: str | None = None
    channel: str = "other"
    is_pitch: bool = False
    seq: int = 0  # arrival order, breaks ties of equal time


@dataclass(frozen=True)
class Thread:
    conversation_id: str
    channel: str  # of the first message
    initiated_by: str
    first_at: datetime
    last_at: datetime
    sent: int
    received: int
    depth: int  # turns
    outbound_turns: int
    replied_turns: int
    pitches: int
    response_hours: tuple[float, ...]  # the rep answering the buyer
    reply_hours: tuple[float, ...]  # the buyer answering the rep
    persons: frozenset[str] = field(default_factory=frozenset)

    @property
    def two_way(self) -> bool:
        return self.sent > 0 and self.received > 0

    @property
    def reply_rate(self) -> float | None:
        return ratio(self.replied_turns, self.outbound_turns)

    def as_dict(self) -> dict[str, object]:
        return {
            "conversation_id": self.conversation_id, "channel": self.channel, "initiated_by": self.initiated_by,
            "first_message_at": _iso(self.first_at), "last_message_at": _iso(self.last_at),
            "messages_sent": self.sent, "messages_received": self.received, "depth": self.depth,
            "two_way": self.two_way, "reply_rate": self.reply_rate,
            "median_response_hours": median(self.response_hours), "median_reply_hours": median(self.reply_hours),
            "pitches": self.pitches,
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def median(values: Iterable[float]) -> float | None:
    items = list(values)
    return round(statistics.median(items), 2) if items else None


def thread(conversation_id: str, messages: list[Message]) -> Thread:
    """The metrics of one conversation from its messages (any order)."""
    ordered = sorted(messages, key=lambda m: (m.at, m.seq))
    turns: list[list[Message]] = []
    for m in ordered:
        if turns and turns[-1][0].outbound == m.outbound:
            turns[-1].append(m)
        else:
            turns.append([m])
    response: list[float] = []
    reply: list[float] = []
    for turn, answer in zip(turns, turns[1:], strict=False):
        waited = hours(answer[0].at - turn[0].at)
        (reply if turn[0].outbound else response).append(waited)
    outbound_turns = sum(1 for t in turns if t[0].outbound)
    return Thread(
        conversation_id=conversation_id, channel=ordered[0].channel,
        initiated_by=REP if ordered[0].outbound else BUYER,
        first_at=ordered[0].at, last_at=ordered[-1].at,
        sent=sum(m.outbound for m in ordered), received=sum(not m.outbound for m in ordered),
        depth=len(turns), outbound_turns=outbound_turns, replied_turns=len(reply),
        pitches=sum(m.outbound and m.is_pitch for m in ordered),
        response_hours=tuple(response), reply_hours=tuple(reply),
        persons=frozenset(m.person for m in ordered if m.person),
    )


def threads(messages: Iterable[Message]) -> list[Thread]:
    """Every conversation of the messages, most recently active first."""
    grouped: dict[str, list[Message]] = defaultdict(list)
    for m in messages:
        grouped[m.conversation_id].append(m)
    found = [thread(cid, ms) for cid, ms in grouped.items()]
    return sorted(found, key=lambda t: (t.last_at, t.conversation_id), reverse=True)


def summary(found: list[Thread]) -> dict[str, object]:
    """The conversations block of a rep's network read."""
    by_channel: dict[str, int] = defaultdict(int)
    for t in found:
        by_channel[t.channel] += 1
    return {
        "count": len(found),
        "two_way": sum(t.two_way for t in found),
        "rep_initiated": sum(t.initiated_by == REP for t in found),
        "buyer_initiated": sum(t.initiated_by == BUYER for t in found),
        "reply_rate": ratio(sum(t.replied_turns for t in found), sum(t.outbound_turns for t in found)),
        "median_response_hours": median(h for t in found for h in t.response_hours),
        "median_reply_hours": median(h for t in found for h in t.reply_hours),
        "median_depth": median(t.depth for t in found),
        "by_channel": dict(sorted(by_channel.items())),
    }


def two_way_persons(messages: Iterable[Message]) -> set[str]:
    """People the rep is in two-way conversation with: in one conversation, the rep wrote to them
    and they wrote to the rep."""
    sent: set[tuple[str, str]] = set()
    received: set[tuple[str, str]] = set()
    for m in messages:
        if m.person:
            (sent if m.outbound else received).add((m.conversation_id, m.person))
    return {person for _, person in sent & received}


def messages_summary(messages: list[Message], accepted_at: dict[str, datetime]) -> dict[str, object]:
    """Message counts and pitches; ``pitches_within_24h_of_acceptance`` counts outbound pitches sent
    0-24 h after that person's connection was accepted (event time, so late arrivals count)."""
    sent = [m for m in messages if m.outbound]
    pitches = [m for m in sent if m.is_pitch]
    early = 0
    for m in pitches:
        accepted = accepted_at.get(m.person or "")
        if accepted is not None and timedelta(0) <= m.at - accepted <= PITCH_WINDOW:
            early += 1
    return {
        "sent": len(sent),
        "received": len(messages) - len(sent),
        "pitches": len(pitches),
        "pitch_share": ratio(len(pitches), len(sent)),
        "pitches_within_24h_of_acceptance": early,
    }


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    booked_at: datetime | None
    held_at: datetime | None
    person: str | None = None
    conversation_id: str | None = None


def linked_conversation(meeting: Meeting, found: list[Thread]) -> str | None:
    """The conversation a meeting came from: its own ``conversation_id``, else the most recently
    started of the rep's conversations with the meeting's person that began before the meeting."""
    if meeting.conversation_id:
        return meeting.conversation_id
    when = min(t for t in (meeting.booked_at, meeting.held_at) if t is not None)
    candidates = [t for t in found if meeting.person and meeting.person in t.persons and t.first_at <= when]
    if not candidates:
        return None
    return max(candidates, key=lambda t: (t.first_at, t.conversation_id)).conversation_id


def meetings_summary(meetings: list[Meeting], found: list[Thread]) -> dict[str, object]:
    """Meetings block: a meeting counts as booked once booked *or* held (a held meeting was booked).

    ``from_conversations``: meetings linked to a conversation (explicitly or inferred, see
    `linked_conversation`); ``conversations_converted``: the rep's known conversations that led to at
    least one meeting; ``conversion_rate`` = conversations_converted / conversations.
    """
    known = {t.conversation_id for t in found}
    links = {m.meeting_id: linked_conversation(m, found) for m in meetings}
    held = [m for m in meetings if m.held_at is not None]
    converted = {c for c in links.values() if c is not None and c in known}
    return {
        "booked": len(meetings),
        "held": len(held),
        "held_rate": ratio(len(held), len(meetings)),
        "from_conversations": sum(1 for c in links.values() if c is not None),
        "held_from_conversations": sum(1 for m in held if links[m.meeting_id] is not None),
        "conversations_converted": len(converted),
        "conversion_rate": ratio(len(converted), len(found)),
    }
