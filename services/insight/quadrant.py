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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rapportkit.catalog import TIERS

Tier = Literal["strategic", "key", "standard"]
CustomerStatus = Literal["high", "low"]
CentreSize = Literal["small", "large"]
Quadrant = Literal["high_status_small_centre", "high_status_large_centre", "low_status_small_centre",
                   "low_status_large_centre"]


DEFAULT_HIGH_STATUS: tuple[Tier, ...] = ("strategic", "key")


class QuadrantRules(BaseModel):
    """A tenant's quadrant settings as set with `PUT /v1/settings/quadrant` (defaults of docs/contracts.md)."""

    model_config = ConfigDict(extra="forbid")
    high_status_tiers: list[Tier] = Field(default_factory=lambda: list(DEFAULT_HIGH_STATUS))
    large_centre_min: int = Field(4, ge=1, le=1000)
    high_status_min_revenue: float | None = Field(None, ge=0)

    @field_validator("high_status_tiers")
    @classmethod
    def _unique(cls, values: list[Tier]) -> list[Tier]:
        return sorted(set(values), key=TIERS.index)


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
