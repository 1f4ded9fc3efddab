"""The contingency quadrant of docs/contracts.md: customer status × buying-centre size. Pure logic.

- Customer status is `high` when the account's tier is one of the tenant's high-status tiers
  (default `strategic` and `key`), or — when the tenant sets `high_status_min_revenue` — when the
  account's known revenue reaches it; else `low`.
- Buying-centre size is `large` with at least `large_centre_min` (default 4) active stakeholders
  (distinct people), else `small`.
- Quadrant: `<status>_status_<size>_centre`, e.g. `high_status_large_centre`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapportkit.contracts.insight import CentreSize, CustomerStatus, Quadrant, QuadrantRules


@dataclass(frozen=True)
class Placement:
    customer_status: CustomerStatus
    centre_size: CentreSize
    quadrant: Quadrant


def customer_status(tier: str, revenue: float | None, rules: QuadrantRules) -> CustomerStatus:
    if tier in rules.high_status_tiers:
        return "high"
    if rules.high_status_min_revenue is not None and revenue is not None \
            and revenue >= rules.high_status_min_revenue:
        return "high"
    return "low"


def centre_size(active_stakeholders: int, rules: QuadrantRules) -> CentreSize:
    return "large" if active_stakeholders >= rules.large_centre_min else "small"


def place(tier: str, revenue: float | None, active_stakeholders: int, rules: QuadrantRules) -> Placement:
    status = customer_status(tier, revenue, rules)
    size = centre_size(active_stakeholders, rules)
    return Placement(status, size, f"{status}_status_{size}_centre")  # type: ignore[arg-type]
