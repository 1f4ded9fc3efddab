"""Relationship strength between a rep and a person (pure, no I/O). The model and its worked
example are in docs/relationships.md; tests/unit/test_relationship_strength.py checks the example.

    base     = Σ weight · score over connection, conversations, meetings, engagement
    score    = 1 for an accepted connection (else 0); n / (n + k) for a count n (saturating)
    decay    = 0.5 ** (days since the last touch / half-life)
    strength = base · decay

Each factor's contribution is weight · score; `recency` contributes base · decay − base (≤ 0), so
the contributions add up to the strength (up to rounding to 4 places).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# factor → (weight, half-saturation k); the weights add up to 1, so the strength stays below 1
WEIGHTS: dict[str, tuple[float, float | None]] = {
    "connection": (0.30, None),  # accepted: 1, else 0
    "conversations": (0.35, 1.0),  # two-way conversations
    "meetings": (0.20, 1.0),  # meetings held
    "engagement": (0.15, 3.0),  # the person's engagements with the rep's content
}
DEFAULT_HALF_LIFE_DAYS = 180.0


@dataclass(frozen=True)
class Facts:
    """What one rep has with one person (all-time)."""

    connected: bool = False
    two_way_conversations: int = 0
    meetings_held: int = 0
    engagements: int = 0
    last_touch: datetime | None = None  # latest connection step, message, meeting or engagement


def _score(name: str, value: float) -> float:
    k = WEIGHTS[name][1]
    if k is None:
        return 1.0 if value else 0.0
    return value / (value + k) if value > 0 else 0.0


def knows(facts: Facts) -> bool:
    """A rep knows a person when one of the four factors is non-zero (an unanswered message alone is
    a touch, not a relationship)."""
    return facts.connected or facts.two_way_conversations > 0 or facts.meetings_held > 0 or facts.engagements > 0


def strength(facts: Facts, *, now: datetime, half_life_days: float) -> dict[str, Any]:
    """`{"strength", "factors": [{factor, value, score, weight, contribution}, …]}`."""
    values: dict[str, float] = {"connection": 1.0 if facts.connected else 0.0,
                                "conversations": facts.two_way_conversations,
                                "meetings": facts.meetings_held, "engagement": facts.engagements}
    factors: list[dict[str, Any]] = []
    base = 0.0
    for name, (weight, _) in WEIGHTS.items():
        score = _score(name, values[name])
        base += weight * score
        factors.append({"factor": name, "value": values[name] if name != "connection" else facts.connected,
                        "score": round(score, 4), "weight": weight, "contribution": round(weight * score, 4)})
    days = max(0.0, (now - facts.last_touch).total_seconds() / 86400) if facts.last_touch else None
    decay = 0.5 ** (days / half_life_days) if days is not None else 0.0
    factors.append({"factor": "recency", "value": round(days, 2) if days is not None else None,
                    "score": round(decay, 4), "weight": None, "contribution": round(base * decay - base, 4)})
    return {"strength": round(base * decay, 4), "factors": factors}
