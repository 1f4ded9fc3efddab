"""ICP fit with hand-computed expectations (docs/insight.md "ICP fit")."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rapportkit.contracts.insight import IcpProfile, Range
from services.insight.icp import AccountFacts, icp_fit

ICP = IcpProfile(industries=["Software", "FinTech"], employees=Range(min=200, max=2000), regions=["EMEA"])


def facts(industry: str | None = "software", employees: int | None = 500, region: str | None = "EMEA",
          revenue: float | None = None) -> AccountFacts:
    return AccountFacts(industry=industry, employees=employees, region=region, revenue=revenue)


def test_account_meeting_every_criterion_fits_fully() -> None:
    fit = icp_fit(facts(), ICP)
    assert fit.score == 1.0
    assert [(r["criterion"], r["status"], r["score"], r["contribution"]) for r in fit.reasons] == [
        ("industries", "met", 1.0, 0.3333), ("employees", "met", 1.0, 0.3333), ("regions", "met", 1.0, 0.3333)]
    assert fit.reasons[0]["detail"] == "industry software is in the ICP"


def test_partial_employees_and_missed_region() -> None:
    # industry 1, employees 100 below min 200 → 100/200 = 0.5, region NA not in [EMEA] → 0
    # fit = (1 + 0.5 + 0) / 3 = 0.5
    fit = icp_fit(facts(employees=100, region="NA"), ICP)
    assert fit.score == 0.5
    by = {r["criterion"]: r for r in fit.reasons}
    assert by["employees"]["status"] == "partial" and by["employees"]["score"] == 0.5
    assert by["employees"]["detail"] == "employees 100 below the ICP minimum 200"
    assert by["employees"]["contribution"] == 0.1667
    assert by["regions"]["status"] == "missed" and by["regions"]["contribution"] == 0.0


def test_above_the_range_scores_max_over_value() -> None:
    # employees 8000 above max 2000 → 2000/8000 = 0.25; industry 0 (retail); region 1
    # fit = (0 + 0.25 + 1) / 3 = 0.416666… → 0.4167
    fit = icp_fit(facts(industry="Retail", employees=8000), ICP)
    assert fit.score == 0.4167
    assert {r["criterion"]: r["score"] for r in fit.reasons} == {"industries": 0.0, "employees": 0.25, "regions": 1.0}


def test_matching_ignores_case_and_spacing() -> None:
    assert icp_fit(facts(industry="  FINTECH "), ICP).reasons[0]["status"] == "met"
    spaced = IcpProfile(industries=["Financial  Services"])
    assert icp_fit(facts(industry="financial services"), spaced).score == 1.0
    assert icp_fit(facts(industry="financialservices"), spaced).score == 0.0


def test_unknown_values_score_zero_and_say_so() -> None:
    # region unknown → 0; revenue criterion with revenue unknown → 0
    # industry 1 (w 2), employees 1 (w 1), region 0 (w 1), revenue 0 (w 1): fit = 3/5 = 0.6
    icp = ICP.model_copy(update={"revenue": Range(min=1_000_000), "weights": {"industries": 2.0}})
    fit = icp_fit(facts(region=None), icp)
    assert fit.score == 0.6
    by = {r["criterion"]: r for r in fit.reasons}
    assert by["regions"]["status"] == "unknown" and by["revenue"]["status"] == "unknown"
    assert by["industries"]["contribution"] == 0.4 and by["industries"]["weight"] == 2.0


def test_weight_zero_drops_a_criterion() -> None:
    # only industries (1) and employees (100/200 = 0.5) count: (1 + 0.5) / 2 = 0.75
    icp = ICP.model_copy(update={"weights": {"regions": 0.0}})
    fit = icp_fit(facts(employees=100, region="APAC"), icp)
    assert fit.score == 0.75
    assert [r["criterion"] for r in fit.reasons] == ["industries", "employees"]


def test_revenue_range_and_open_ends() -> None:
    icp = IcpProfile(revenue=Range(max=10_000_000))
    assert icp_fit(facts(revenue=4_000_000), icp).score == 1.0
    assert icp_fit(facts(revenue=40_000_000), icp).score == 0.25  # 10M / 40M
    assert icp_fit(facts(employees=0), IcpProfile(employees=Range(min=50))).score == 0.0


def test_no_icp_means_no_fit() -> None:
    fit = icp_fit(facts(), IcpProfile())
    assert fit.score is None and fit.reasons == []
    assert icp_fit(facts(), IcpProfile(industries=["x"], weights={"industries": 0})).score is None


def test_changing_the_icp_changes_the_fit() -> None:
    account = facts(industry="Manufacturing", employees=5000, region="NA")
    before = icp_fit(account, ICP)  # (0 + 2000/5000 + 0) / 3 = 0.1333
    after = icp_fit(account, IcpProfile(industries=["manufacturing"], regions=["NA", "EMEA"]))  # (1 + 1) / 2
    assert (before.score, after.score) == (0.1333, 1.0)
    assert [r["criterion"] for r in after.reasons] == ["industries", "regions"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"employees": {"min": 10, "max": 5}}, ("employees",)),
        ({"employees": {}}, ("employees",)),
        ({"revenue": {"min": -1}}, ("revenue", "min")),
        ({"industries": [" "]}, ("industries",)),
        ({"weights": {"industries": -1}}, ("weights",)),
        ({"weights": {"size": 1}}, ("weights", "size", "[key]")),
        ({"industry": ["x"]}, ("industry",)),
    ],
)
def test_invalid_icp_names_the_field(body: dict[str, object], loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        IcpProfile.model_validate(body)
    assert info.value.errors()[0]["loc"] == loc


def test_names_are_cleaned_and_deduplicated() -> None:
    assert IcpProfile(industries=[" Software ", "Software", "Fin  Tech"]).industries == ["Software", "Fin Tech"]
