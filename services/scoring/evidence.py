"""Evidence: how each pillar (and the total) ranks with outcomes across a tenant's reps.

Spearman's rank correlation of the rep's score on `day` with their win rate and their won amount,
over the reps with at least one closed opportunity, with n and a two-sided p-value. It is a
correlation across reps, not an effect of social selling: the seeds report the direct link is
contested, so the report says so.
"""

from __future__ import annotations

from typing import Any

from services.scoring.model import PILLARS, Score
from services.scoring.stats import spearman

NOTE = ("Rank correlation across reps, not causation: a positive rho means reps who score higher tend to "
        "have better outcomes here; the research behind Rapport finds the direct link contested.")


def evidence_report(scores: dict[str, Score], outcomes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    reps = sorted(r for r, o in outcomes.items() if o.get("win_rate") is not None)
    rows = []
    for measure in (*PILLARS, "total"):
        xs = [scores[r].total if measure == "total" else scores[r].pillars[measure] for r in reps]
        for outcome in ("win_rate", "won_amount"):
            ys = [float(outcomes[r][outcome]) for r in reps]
            c = spearman(xs, ys)
            rows.append({"measure": measure, "outcome": outcome, "rho": None if c.rho is None else round(c.rho, 4),
                         "p_value": None if c.p_value is None else round(c.p_value, 4), "n": c.n})
    return {"n": len(reps), "correlations": rows, "note": NOTE}
