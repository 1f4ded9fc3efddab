"""The relationship strength model (services/network/strength.py) on the worked example of
docs/relationships.md, to the last decimal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.network.strength import Facts, knows, strength

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_the_worked_example_of_the_docs() -> None:
    ana = Facts(connected=True, two_way_conversations=2, meetings_held=1, engagements=3,
                last_touch=NOW - timedelta(days=45))
    result = strength(ana, now=NOW, half_life_days=90)
    assert result["strength"] == 0.5009
    assert result["factors"] == [
        {"factor": "connection", "value": True, "score": 1.0, "weight": 0.3, "contribution": 0.3},
        {"factor": "conversations", "value": 2, "score": 0.6667, "weight": 0.35, "contribution": 0.2333},
        {"factor": "meetings", "value": 1, "score": 0.5, "weight": 0.2, "contribution": 0.1},
        {"factor": "engagement", "value": 3, "score": 0.5, "weight": 0.15, "contribution": 0.075},
        {"factor": "recency", "value": 45.0, "score": 0.7071, "weight": None, "contribution": -0.2075},
    ]
    ben = Facts(connected=True, last_touch=NOW - timedelta(days=10))
    assert strength(ben, now=NOW, half_life_days=90)["strength"] == 0.2778


def test_the_half_life_halves_the_strength_and_a_touch_today_keeps_it_whole() -> None:
    facts = Facts(connected=True, two_way_conversations=1, last_touch=NOW)
    assert strength(facts, now=NOW, half_life_days=180)["strength"] == 0.475  # 0.3 + 0.35 · 1/2
    later = strength(facts, now=NOW + timedelta(days=180), half_life_days=180)
    assert later["strength"] == 0.2375
    assert later["factors"][-1]["contribution"] == -0.2375


def test_only_a_factor_makes_a_relationship() -> None:
    assert not knows(Facts(last_touch=NOW))  # an unanswered message is a touch, not a relationship
    assert knows(Facts(engagements=1, last_touch=NOW))
    many = Facts(connected=True, two_way_conversations=1000, meetings_held=1000, engagements=1000, last_touch=NOW)
    assert 0.99 < strength(many, now=NOW, half_life_days=180)["strength"] < 1
