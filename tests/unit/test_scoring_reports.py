"""Evidence and contingency, with hand-computed expectations."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.scoring.contingency import RECOMMENDATIONS, recommendation_for
from services.scoring.evidence import evidence_report
from services.scoring.model import Score


def score(total: float) -> Score:
    quarter = total / 4
    return Score(day=date(2026, 3, 1), total=total, pillars=dict.fromkeys(("insight", "connect", "engage", "brand"),
                                                                         quarter), factors=[])


def test_evidence_is_a_rank_correlation_across_reps_with_n() -> None:
    scores = {"a": score(10), "b": score(20), "c": score(30), "idle": score(50)}
    outcomes: dict[str, dict[str, Any]] = {
        "a": {"win_rate": 0.2, "won_amount": 300.0}, "b": {"win_rate": 0.5, "won_amount": 100.0},
        "c": {"win_rate": 0.9, "won_amount": 200.0}, "idle": {"win_rate": None, "won_amount": 0.0}}
    report = evidence_report(scores, outcomes)
    assert report["n"] == 3  # a rep without a closed deal has no win rate and is left out
    rows = {(r["measure"], r["outcome"]): r for r in report["correlations"]}
    assert rows[("total", "win_rate")]["rho"] == 1.0
    # ranks of the totals 1, 2, 3 against won amounts ranked 3, 1, 2: d = -2, 1, 1, Σd² = 6,
    # rho = 1 − 6·6 / (3·(9 − 1)) = −0.5
    assert rows[("total", "won_amount")]["rho"] == -0.5
    assert rows[("insight", "won_amount")]["n"] == 3
    assert "not causation" in report["note"]


def test_every_quadrant_has_a_recommendation_grounded_in_the_matrix() -> None:
    assert set(RECOMMENDATIONS) == {"high_status_small_centre", "high_status_large_centre",
                                    "low_status_small_centre", "low_status_large_centre"}
    assert recommendation_for("high_status_small_centre").startswith("Intensify personalised social engagement")
    assert "traditional channels" in recommendation_for("high_status_large_centre")
    assert recommendation_for("low_status_large_centre").startswith("Avoid intrusive social outreach")
