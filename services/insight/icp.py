"""The ideal customer profile (ICP) of a tenant and the fit of an account to it (docs/insight.md).

Pure logic, no I/O. An ICP names up to four criteria; each one the tenant sets is scored 0–1 for
the account and weighted (default weight 1):

| criterion | scored |
|---|---|
| `industries` | 1 when the account's industry is one of them (case and spacing ignored), else 0 |
| `employees` `{min, max}` | 1 inside the range; below it `employees / min`, above it `max / employees` |
| `regions` | 1 when the account's region is one of them, else 0 |
| `revenue` `{min, max}` | like employees, on the account's revenue |

A criterion the account has no value for scores 0 ("unknown"): the fit is the weighted share of the
ICP the account is *known* to meet. fit = Σ weight·score / Σ weight, rounded to 4 places; every
criterion becomes a reason (its value, what the ICP expects, score, weight and contribution). A
tenant without an ICP (or whose weights are all 0) gets no fit (`None`). The ICP itself (`IcpProfile`)
is a public body, so it lives in rapportkit.contracts.insight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapportkit.contracts.insight import Criterion, CriterionStatus, IcpProfile, Range


@dataclass(frozen=True)
class AccountFacts:
    industry: str | None
    employees: int | None
    region: str | None
    revenue: float | None


@dataclass(frozen=True)
class Fit:
    score: float | None
    reasons: list[dict[str, Any]]


def normalise_name(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip()).casefold()


def _in_list(value: str | None, expected: list[str], what: str) -> tuple[float, CriterionStatus, str]:
    if not normalise_name(value):
        return 0.0, "unknown", f"{what} unknown"
    if normalise_name(value) in {normalise_name(e) for e in expected}:
        return 1.0, "met", f"{what} {value} is in the ICP"
    return 0.0, "missed", f"{what} {value} is not in the ICP"


def _in_range(value: float | None, rng: Range, what: str) -> tuple[float, CriterionStatus, str]:
    if value is None:
        return 0.0, "unknown", f"{what} unknown"
    if rng.min is not None and value < rng.min:
        score = value / rng.min if rng.min > 0 else 0.0
        detail = f"{what} {_num(value)} below the ICP minimum {_num(rng.min)}"
        return score, "partial" if score > 0 else "missed", detail
    if rng.max is not None and value > rng.max:
        score = rng.max / value if value > 0 else 0.0
        detail = f"{what} {_num(value)} above the ICP maximum {_num(rng.max)}"
        return score, "partial" if score > 0 else "missed", detail
    return 1.0, "met", f"{what} {_num(value)} within the ICP range"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def icp_fit(account: AccountFacts, icp: IcpProfile) -> Fit:
    """The account's fit to the ICP with one reason per criterion (see the module docstring)."""
    scored: list[tuple[Criterion, float, float, CriterionStatus, str, Any, Any]] = []
    for criterion in icp.configured():
        weight = icp.weight(criterion)
        if weight <= 0:
            continue
        if criterion == "industries":
            score, status, detail = _in_list(account.industry, icp.industries, "industry")
            value: Any = account.industry
            expected: Any = icp.industries
        elif criterion == "regions":
            score, status, detail = _in_list(account.region, icp.regions, "region")
            value, expected = account.region, icp.regions
        elif criterion == "employees":
            assert icp.employees is not None
            score, status, detail = _in_range(account.employees, icp.employees, "employees")
            value, expected = account.employees, icp.employees.model_dump()
        else:
            assert icp.revenue is not None
            score, status, detail = _in_range(account.revenue, icp.revenue, "revenue")
            value, expected = account.revenue, icp.revenue.model_dump()
        scored.append((criterion, weight, score, status, detail, value, expected))
    total = sum(weight for _, weight, *_ in scored)
    if total <= 0:
        return Fit(score=None, reasons=[])
    reasons = [{"criterion": criterion, "status": status, "score": round(score, 4), "weight": weight,
                "contribution": round(weight * score / total, 4), "value": value, "expected": expected,
                "detail": detail}
               for criterion, weight, score, status, detail, value, expected in scored]
    fit = sum(weight * score for _, weight, score, *_ in scored) / total
    return Fit(score=round(fit, 4), reasons=reasons)
