"""Signal follow-up: which action came first and how long it took (pure logic, docs/insight.md).

- The first action is the earliest `insight.signal.actioned` by event time (ties: the earlier
  event id), whatever order the events arrived in.
- Latency is the hours from the signal's capture (its first `captured` event) to that first
  action, rounded to 2 places; an action stamped before the capture counts as immediate (0 h).
  Without both a capture and an action there is no latency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ActionFact:
    at: datetime
    event_id: str
    rep_id: str
    action: str


def first_action(actions: Sequence[ActionFact]) -> ActionFact | None:
    return min(actions, key=lambda a: (a.at, a.event_id), default=None)


def latency_hours(captured_at: datetime | None, actioned_at: datetime | None) -> float | None:
    if captured_at is None or actioned_at is None:
        return None
    return round(max(0.0, (actioned_at - captured_at).total_seconds()) / 3600, 2)
