"""Contingency quadrant rules (docs/contracts.md defaults and per-tenant settings), hand-computed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rapportkit.contracts.insight import QuadrantRules
from services.insight.quadrant import centre_size, customer_status, place

DEFAULT = QuadrantRules()


@pytest.mark.parametrize(
    ("tier", "stakeholders", "quadrant"),
    [
        ("strategic", 6, "high_status_large_centre"),
        ("strategic", 4, "high_status_large_centre"),  # 4 or more is large
        ("strategic", 3, "high_status_small_centre"),  # up to 3 is small
        ("key", 0, "high_status_small_centre"),
        ("key", 5, "high_status_large_centre"),
        ("standard", 2, "low_status_small_centre"),
        ("standard", 4, "low_status_large_centre"),
    ],
)
def test_default_rules(tier: str, stakeholders: int, quadrant: str) -> None:
    assert place(tier, None, stakeholders, DEFAULT).quadrant == quadrant


def test_placement_carries_status_and_size() -> None:
    placed = place("strategic", None, 6, DEFAULT)
    assert (placed.customer_status, placed.centre_size) == ("high", "large")


def test_tenant_rules_change_status_and_threshold() -> None:
    rules = QuadrantRules(high_status_tiers=["strategic"], large_centre_min=6)
    assert customer_status("key", None, rules) == "low"
    assert centre_size(5, rules) == "small" and centre_size(6, rules) == "large"
    assert place("key", None, 5, rules).quadrant == "low_status_small_centre"


def test_revenue_threshold_makes_a_standard_account_high_status() -> None:
    rules = QuadrantRules(high_status_min_revenue=1_000_000)
    assert customer_status("standard", 999_999, rules) == "low"
    assert customer_status("standard", 1_000_000, rules) == "high"
    assert customer_status("standard", None, rules) == "low"  # unknown revenue does not count


def test_tiers_are_deduplicated_in_tier_order() -> None:
    assert QuadrantRules(high_status_tiers=["key", "strategic", "key"]).high_status_tiers == ["strategic", "key"]
    assert QuadrantRules(high_status_tiers=[]).high_status_tiers == []


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"high_status_tiers": ["platinum"]}, ("high_status_tiers", 0)),
        ({"large_centre_min": 0}, ("large_centre_min",)),
        ({"high_status_min_revenue": -5}, ("high_status_min_revenue",)),
        ({"threshold": 3}, ("threshold",)),
    ],
)
def test_invalid_rules_name_the_field(body: dict[str, object], loc: tuple[object, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        QuadrantRules.model_validate(body)
    assert info.value.errors()[0]["loc"] == loc
