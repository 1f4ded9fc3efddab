"""The connection state machine and the connections block, with hand-computed expectations."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from services.network import connections as C

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def status_of(*transitions: tuple[str, float] | tuple[str, float, str]) -> str:
    return C.status(C.fold([(t[0], at(t[1]), t[2] if len(t) > 2 else None) for t in transitions]))


def test_request_then_each_outcome() -> None:
    assert status_of(("requested", 0, "outbound")) == "pending"
    assert status_of(("requested", 0, "outbound"), ("accepted", 1)) == "accepted"
    assert status_of(("requested", 0, "outbound"), ("declined", 1)) == "declined"
    assert status_of(("requested", 0, "outbound"), ("withdrawn", 1)) == "withdrawn"


def test_accepted_without_request_as_imports_produce() -> None:
    history = C.fold([("accepted", at(5), None)])
    assert C.status(history) == "accepted"
    assert history.direction is None and history.first_requested_at is None
    assert history.accepted_at == at(5)


def test_acceptance_is_final() -> None:
    # a decline or withdrawal reported after an acceptance contradicts it and is ignored
    assert status_of(("requested", 0, "outbound"), ("accepted", 1), ("withdrawn", 2)) == "accepted"
    assert status_of(("accepted", 1), ("declined", 3)) == "accepted"


def test_new_request_after_decline_reopens_then_later_decline_closes() -> None:
    assert status_of(("requested", 0, "outbound"), ("declined", 1), ("requested", 10, "outbound")) == "pending"
    assert status_of(("requested", 0, "outbound"), ("declined", 1), ("requested", 10, "outbound"),
                     ("withdrawn", 12)) == "withdrawn"


def test_ties_at_one_instant() -> None:
    assert status_of(("requested", 1, "outbound"), ("withdrawn", 1)) == "withdrawn"
    assert status_of(("requested", 1, "outbound"), ("declined", 1), ("withdrawn", 1)) == "declined"


@pytest.mark.parametrize("history", [
    [("requested", 0, "outbound"), ("accepted", 2, None), ("declined", 3, None)],
    [("requested", 0, "inbound"), ("withdrawn", 1, None), ("requested", 4, "outbound"), ("declined", 6, None)],
    [("requested", 0, "outbound"), ("declined", 1, None), ("requested", 1, "inbound"), ("requested", 5, None)],
])
def test_every_order_and_every_repetition_gives_the_same_result(history: list[tuple[str, float, str | None]]) -> None:
    items = [(kind, at(h), d) for kind, h, d in history]
    expected = C.fold(items)
    for order in itertools.permutations(items):
        assert C.fold(list(order)) == expected
        assert C.fold(list(order) + list(order)) == expected  # the same transition twice changes nothing


def test_direction_is_the_first_requests_even_when_it_arrives_last() -> None:
    late_first = C.fold([("requested", at(5), "inbound"), ("accepted", at(6), None), ("requested", at(1), "outbound")])
    assert late_first.direction == "outbound"
    assert late_first.first_requested_at == at(1) and late_first.last_requested_at == at(5)
    assert C.fold([("accepted", at(6), None), ("requested", at(1), "inbound")]).direction == "inbound"


def test_earliest_acceptance_and_latest_decline_are_kept() -> None:
    history = C.fold([("accepted", at(8), None), ("accepted", at(3), None), ("declined", at(1), None),
                      ("declined", at(2), None)])
    assert history.accepted_at == at(3) and history.declined_at == at(2)


def test_unknown_transition_is_refused() -> None:
    with pytest.raises(ValueError, match="removed"):
        C.record(C.History(), "removed", T0)
    with pytest.raises(ValueError):
        C.status(C.History())


def test_summary_counts_and_acceptance_rate_of_outbound_requests() -> None:
    V = C.ConnectionView
    block = C.summary([
        V("accepted", "outbound"), V("accepted", "outbound"), V("pending", "outbound"), V("declined", "outbound"),
        V("withdrawn", "outbound"),  # 5 outbound requests, 2 accepted → 0.4
        V("accepted", "inbound"), V("pending", "inbound"),  # inbound requests are not in the rate
        V("accepted", None),  # imported connection without a request
    ])
    assert block == {"total": 8, "accepted": 4, "pending": 2, "declined": 1, "withdrawn": 1,
                     "outbound_requests": 5, "inbound_requests": 2, "without_request": 1, "acceptance_rate": 0.4}


def test_summary_without_outbound_requests_has_no_rate() -> None:
    assert C.summary([C.ConnectionView("accepted", None)])["acceptance_rate"] is None
    assert C.summary([])["total"] == 0


def test_merging_two_histories_of_one_person_is_their_fold() -> None:
    by_name = [("requested", at(0), "outbound"), ("declined", at(2), None)]
    by_url = [("requested", at(5), None), ("accepted", at(6), None), ("requested", at(-1), "inbound")]
    merged = C.merge(C.fold(by_name), C.fold(by_url))
    assert merged == C.fold(by_name + by_url) == C.merge(C.fold(by_url), C.fold(by_name))
    assert (merged.direction, merged.first_requested_at, merged.accepted_at) == ("inbound", at(-1), at(6))
    assert C.merge(merged, merged) == merged
