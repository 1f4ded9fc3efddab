"""Conversation, message and meeting metrics, with hand-computed expectations."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from services.network import conversations as V

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def msgs(conversation: str, *steps: tuple[str, float], person: str = "ada", channel: str = "linkedin",
         pitch_at: tuple[float, ...] = ()) -> list[V.Message]:
    """Messages from ("out"|"in", hours after T0) steps."""
    return [V.Message(conversation_id=conversation, outbound=d == "out", at=at(h), person=person, channel=channel,
                      is_pitch=h in pitch_at, seq=i) for i, (d, h) in enumerate(steps)]


def test_two_outbound_one_inbound_is_two_way_with_reply_rate_and_times() -> None:
    # rep writes at 0 h, the buyer answers at 2 h, the rep answers at 5 h
    t = V.thread("c1", msgs("c1", ("out", 0), ("in", 2), ("out", 5)))
    assert t.two_way and t.initiated_by == "rep"
    assert (t.sent, t.received, t.depth) == (2, 1, 3)
    assert t.outbound_turns == 2 and t.replied_turns == 1 and t.reply_rate == 0.5  # the last turn awaits
    assert t.reply_hours == (2.0,)  # the buyer took 2 h
    assert t.response_hours == (3.0,)  # the rep took 3 h
    d = t.as_dict()
    assert d["median_reply_hours"] == 2.0 and d["median_response_hours"] == 3.0
    assert d["first_message_at"] == "2026-03-02T09:00:00Z" and d["last_message_at"] == "2026-03-02T14:00:00Z"


def test_a_follow_up_before_any_answer_is_the_same_turn() -> None:
    # out 0 h, follow-up 24 h, answer 30 h: one outbound turn, replied, the buyer waited 30 h from the first
    t = V.thread("c", msgs("c", ("out", 0), ("out", 24), ("in", 30)))
    assert (t.depth, t.outbound_turns, t.replied_turns, t.reply_rate) == (2, 1, 1, 1.0)
    assert t.reply_hours == (30.0,) and t.response_hours == ()


def test_buyer_initiated_thread_and_rep_response_time_from_the_first_unanswered_message() -> None:
    # the buyer writes at 0 h and again at 1 h; the rep answers at 4 h; the buyer replies at 4.5 h
    t = V.thread("c", msgs("c", ("in", 0), ("in", 1), ("out", 4), ("in", 4.5)))
    assert t.initiated_by == "buyer" and t.depth == 3
    assert t.response_hours == (4.0,) and t.reply_hours == (0.5,)
    assert t.reply_rate == 1.0


def test_one_way_threads() -> None:
    unanswered = V.thread("c", msgs("c", ("out", 0), ("out", 48)))
    assert not unanswered.two_way and unanswered.reply_rate == 0.0 and unanswered.depth == 1
    inbound_only = V.thread("c", msgs("c", ("in", 0)))
    assert not inbound_only.two_way and inbound_only.reply_rate is None


def test_arrival_order_does_not_matter() -> None:
    steps = msgs("c", ("out", 0), ("in", 2), ("out", 5), ("in", 7))
    expected = V.thread("c", steps)
    for order in itertools.permutations(steps):
        assert V.thread("c", list(order)) == expected


def test_equal_times_are_ordered_by_arrival() -> None:
    first_out = [V.Message("c", True, at(0), seq=1), V.Message("c", False, at(0), seq=2)]
    assert V.thread("c", first_out).initiated_by == "rep"
    assert V.thread("c", list(reversed(first_out))).initiated_by == "rep"


def test_summary_pools_turns_of_all_conversations() -> None:
    found = V.threads(
        msgs("a", ("out", 0), ("in", 2), ("out", 5))  # 2 out turns, 1 replied; reply 2 h, response 3 h
        + msgs("b", ("out", 1), ("out", 30), person="bob")  # 1 out turn, unanswered
        + msgs("c", ("in", 3), ("out", 4), ("in", 10), person="cy", channel="email")  # reply 6 h, response 1 h
    )
    assert [t.conversation_id for t in found] == ["b", "c", "a"]  # most recently active first
    s = V.summary(found)
    assert s == {
        "count": 3, "two_way": 2, "rep_initiated": 2, "buyer_initiated": 1,
        "reply_rate": 0.5,  # replied out turns 1 + 0 + 1 = 2 of 2 + 1 + 1 = 4
        "median_response_hours": 2.0,  # median of 3 h and 1 h
        "median_reply_hours": 4.0,  # median of 2 h and 6 h
        "median_depth": 3,  # depths 3, 1, 3
        "by_channel": {"email": 1, "linkedin": 2},
    }


def test_empty_summary() -> None:
    s = V.summary([])
    assert s["count"] == 0 and s["reply_rate"] is None and s["median_response_hours"] is None


def test_two_way_persons_needs_both_directions_with_that_person() -> None:
    messages = (msgs("a", ("out", 0), ("in", 1)) + msgs("b", ("out", 0), person="bob")
                + [V.Message("g", True, at(0), person="cy"), V.Message("g", False, at(1), person="dee")])
    # in group thread g the rep wrote to cy and dee wrote back: neither is two-way
    assert V.two_way_persons(messages) == {"ada"}


def test_pitches_within_24h_of_acceptance_use_event_time() -> None:
    messages = (msgs("a", ("out", 0.5), ("out", 30), pitch_at=(0.5, 30))  # 30 min after acceptance, then 30 h
                + msgs("b", ("out", 2), person="bob", pitch_at=(2,))  # bob accepted later than the pitch
                + msgs("c", ("out", 1), ("in", 2), person="cy"))
    accepted = {"ada": at(0), "bob": at(3)}
    assert V.messages_summary(messages, accepted) == {
        "sent": 4, "received": 1, "pitches": 3, "pitch_share": 0.75, "pitches_within_24h_of_acceptance": 1}


def test_meetings_count_conversions_explicit_and_inferred() -> None:
    found = V.threads(msgs("a", ("out", 0), ("in", 2)) + msgs("b", ("out", 1), person="bob")
                      + msgs("c", ("out", 1), person="cy"))
    meetings = [
        V.Meeting("m1", booked_at=at(3), held_at=at(50), conversation_id="a"),  # explicit, held
        V.Meeting("m2", booked_at=at(5), held_at=None, person="bob"),  # inferred from bob's conversation b
        V.Meeting("m3", booked_at=None, held_at=at(9), person="zoe"),  # held without booking: no conversation
        V.Meeting("m4", booked_at=at(0.5), held_at=None, person="cy"),  # before cy's conversation began
    ]
    assert V.linked_conversation(meetings[1], found) == "b"
    assert V.linked_conversation(meetings[3], found) is None
    assert V.meetings_summary(meetings, found) == {
        "booked": 4, "held": 2, "held_rate": 0.5,
        "from_conversations": 2, "held_from_conversations": 1,
        "conversations_converted": 2, "conversion_rate": 0.6667,  # a and b of 3 conversations
    }


def test_inference_picks_the_most_recently_started_conversation_before_the_meeting() -> None:
    found = V.threads(msgs("old", ("out", 0)) + msgs("new", ("out", 10)) + msgs("later", ("out", 30)))
    assert V.linked_conversation(V.Meeting("m", booked_at=at(20), held_at=None, person="ada"), found) == "new"
