"""The connection state machine (pure, no I/O): one rep and one person, folded from transitions.

A connection's history is the set of transitions seen so far, each with its event time. The fold
keeps only what the status needs, chosen so that applying the same transitions in any order, or
any of them twice, gives the same result (commutative and idempotent):

* ``first_requested_at`` (earliest request) and its ``direction``; ``last_requested_at`` (latest);
* ``accepted_at``: the earliest acceptance (when the connection began);
* ``declined_at`` / ``withdrawn_at``: the latest of each.

Status (docs/network.md, "Connection state machine"):

* ``accepted`` once any acceptance is known: acceptance is final (there is no "removed" event, and
  a decline or withdrawal reported after an acceptance contradicts it, so it is ignored). An
  acceptance with no recorded request is accepted too (imports produce those); its direction is
  then unknown (``None``).
* otherwise the latest of request / decline / withdrawal by event time: ``pending`` if it is a
  request (a new request after a decline or withdrawal reopens the connection), else ``declined`` or
  ``withdrawn``. At the same instant a decline or withdrawal beats a request, a decline beats a
  withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

REQUESTED, ACCEPTED, DECLINED, WITHDRAWN = "requested", "accepted", "declined", "withdrawn"
TRANSITIONS = (REQUESTED, ACCEPTED, DECLINED, WITHDRAWN)
PENDING = "pending"
STATUSES = (PENDING, ACCEPTED, DECLINED, WITHDRAWN)
OUTBOUND, INBOUND = "outbound", "inbound"


@dataclass(frozen=True)
class History:
    first_requested_at: datetime | None = None
    direction: str | None = None  # of the earliest request
    last_requested_at: datetime | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    withdrawn_at: datetime | None = None


def _earliest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b < a else a


def _latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def record(history: History, transition: str, at: datetime, *, direction: str | None = None) -> History:
    """The history after one more transition (`at` is the event time)."""
    if transition == REQUESTED:
        first, known = history.first_requested_at, history.direction
        if first is None or at < first:
            chosen = direction or known
        elif at == first and direction and known:
            chosen = min(direction, known)  # two requests at one instant: deterministic either way
        else:
            chosen = known or (direction if at == first else None)
        return replace(history, first_requested_at=_earliest(first, at), direction=chosen,
                       last_requested_at=_latest(history.last_requested_at, at))
    if transition == ACCEPTED:
        return replace(history, accepted_at=_earliest(history.accepted_at, at))
    if transition == DECLINED:
        return replace(history, declined_at=_latest(history.declined_at, at))
    if transition == WITHDRAWN:
        return replace(history, withdrawn_at=_latest(history.withdrawn_at, at))
    raise ValueError(f"unknown connection transition {transition!r}")


def status(history: History) -> str:
    """The connection's status from its history (see the module docstring)."""
    if history.accepted_at is not None:
        return ACCEPTED
    # (time, precedence at equal time, status): the greatest wins
    candidates = [(at, rank, name) for at, rank, name in (
        (history.last_requested_at, 0, PENDING),
        (history.withdrawn_at, 1, WITHDRAWN),
        (history.declined_at, 2, DECLINED),
    ) if at is not None]
    if not candidates:
        raise ValueError("a connection needs at least one transition")
    return max(candidates, key=lambda c: (c[0], c[1]))[2]


def merge(a: History, b: History) -> History:
    """One history of two (the same person stored under a weak and a strong key, docs/network.md
    "People known by name"): `b`'s transitions recorded onto `a`, so the fold's rules hold."""
    history = a
    for transition, at, direction in ((REQUESTED, b.first_requested_at, b.direction),
                                      (REQUESTED, b.last_requested_at, None), (ACCEPTED, b.accepted_at, None),
                                      (DECLINED, b.declined_at, None), (WITHDRAWN, b.withdrawn_at, None)):
        if at is not None:
            history = record(history, transition, at, direction=direction)
    return history


def fold(transitions: list[tuple[str, datetime, str | None]]) -> History:
    """Fold (transition, time, direction) triples in the given order (tests use any order)."""
    history = History()
    for transition, at, direction in transitions:
        history = record(history, transition, at, direction=direction)
    return history


@dataclass(frozen=True)
class ConnectionView:
    """What the read needs of one connection."""

    status: str
    direction: str | None


def summary(connections: list[ConnectionView]) -> dict[str, object]:
    """Connection counts of a rep and the acceptance rate of their outbound requests.

    ``acceptance_rate`` = outbound requests now accepted / outbound requests (pending, declined and
    withdrawn ones included: LinkedIn does not report declines, so a "decided only" rate would be
    near 100 %); ``None`` without outbound requests. Accepted connections with no recorded
    request (direction unknown) count in ``total`` and ``accepted`` but not in the rate.
    """
    counts = {s: 0 for s in STATUSES}
    outbound = outbound_accepted = inbound = unknown = 0
    for c in connections:
        counts[c.status] += 1
        if c.direction == OUTBOUND:
            outbound += 1
            outbound_accepted += c.status == ACCEPTED
        elif c.direction == INBOUND:
            inbound += 1
        else:
            unknown += 1
    return {
        "total": len(connections),
        "accepted": counts[ACCEPTED],
        "pending": counts[PENDING],
        "declined": counts[DECLINED],
        "withdrawn": counts[WITHDRAWN],
        "outbound_requests": outbound,
        "inbound_requests": inbound,
        "without_request": unknown,
        "acceptance_rate": ratio(outbound_accepted, outbound),
    }


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
