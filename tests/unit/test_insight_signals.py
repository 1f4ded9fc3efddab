"""Signal follow-up: first action and latency, hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime

from services.insight.signals import ActionFact, first_action, latency_hours


def t(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_latency_in_hours() -> None:
    assert latency_hours(t(10), t(13, 30)) == 3.5
    assert latency_hours(t(10), t(9, 0, day=21)) == 23.0
    assert latency_hours(t(10), t(10, 20)) == 0.33  # 20 min = 0.333… h


def test_no_latency_without_both_ends() -> None:
    assert latency_hours(None, t(10)) is None
    assert latency_hours(t(10), None) is None


def test_action_stamped_before_capture_counts_as_immediate() -> None:
    assert latency_hours(t(10), t(9)) == 0.0


def test_first_action_is_earliest_by_event_time_whatever_the_arrival_order() -> None:
    arrived = [ActionFact(t(15), "e1", "rep-b", "message"), ActionFact(t(12), "e2", "rep-a", "call"),
               ActionFact(t(12), "e0", "rep-c", "email")]
    first = first_action(arrived)
    assert first is not None and (first.rep_id, first.action) == ("rep-c", "email")  # tie: lower event id
    assert first_action([]) is None
