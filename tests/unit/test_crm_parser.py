"""parse_crm over committed fixtures, plus per-agent counts over the real Maven sample."""

from __future__ import annotations

import csv
import uuid
from collections import Counter
from pathlib import Path

import pytest

from importers.crm import MAVEN, CrmMapping, CrmMappingError, parse_crm
from importers.events import NAMESPACE
from tests.unit.linkedin_corpus_paths import CRM_FIXTURES, MAVEN_PIPELINE, fixture


def test_maven_layout_is_recognised() -> None:
    result = parse_crm(CRM_FIXTURES / "maven_pipeline.csv", tenant_id="acme")
    (stats,) = result.files
    assert (stats.rows_read, stats.rows_with_events, stats.events, stats.rejected) == (5, 4, 7, 1)
    assert [(r.line, r.reason, r.detail) for r in result.rejections] == [(5, "opportunity has no creation date", None)]
    created = [e for e in result.events if e["type"] == "rapport.outcome.opportunity.created"]
    closed = [e for e in result.events if e["type"] == "rapport.outcome.opportunity.closed"]
    assert [e["data"]["opportunity_id"] for e in created] == ["OPP00001", "OPP00002", "OPP00003", "OPP00005"]
    assert created[0]["time"] == "2016-10-20T00:00:00Z"
    assert created[0]["subject"] == "moira-example"
    assert created[0]["source"] == "rapport/import/crm"
    assert created[0]["data"] == {
        "opportunity_id": "OPP00001",
        "rep_id": "moira-example",
        "account_id": "acme-corporation",
        "amount": 1054.0,
        "stage": "won",
        "rep_name": "Moira Example",
        "account_name": "Acme Corporation",
        "product": "GTX Basic",
    }
    open_deal = created[2]["data"]
    assert (open_deal["account_id"], open_deal["account_name"], open_deal["amount"]) == ("unknown", None, 0.0)
    assert open_deal["amount_known"] is False and open_deal["stage"] == "engaging"
    assert [(e["time"], e["data"]["won"], e["data"]["amount"]) for e in closed] == [
        ("2017-03-01T00:00:00Z", True, 1054.0),
        ("2017-03-11T00:00:00Z", False, 0.0),
        ("2017-04-15T00:00:00Z", True, 3500.0),
    ]
    expected_id = uuid.uuid5(NAMESPACE, "acme|crm|opportunities|outcome.opportunity.closed|OPP00001")
    assert closed[0]["id"] == str(expected_id)


def test_custom_layout_with_mapping_file() -> None:
    mapping = CrmMapping.load(CRM_FIXTURES / "custom_mapping.json")
    assert mapping.won == ("Closed Won",) and mapping.amount == "Amount (EUR)"
    data = (CRM_FIXTURES / "custom_pipeline.csv").read_bytes()
    result = parse_crm(data, tenant_id="acme", mapping=mapping)
    (stats,) = result.files
    assert (stats.rows_read, stats.rows_with_events, stats.events, stats.rejected) == (5, 3, 5, 2)
    assert [(r.line, r.reason) for r in result.rejections] == [
        (5, "closed opportunity has no close date"),
        (6, "row has no rep"),
    ]
    summary = [(e["type"].rsplit(".", 1)[1], e["data"]["opportunity_id"], e["data"]["amount"]) for e in result.events]
    assert summary == [
        ("created", "D-1", 12000.5),
        ("closed", "D-1", 12000.5),
        ("created", "D-2", 0.0),
        ("closed", "D-2", 0.0),
        ("created", "D-3", 8000.0),
    ]
    assert result.events[3]["data"]["won"] is False
    assert result.events[0]["data"]["rep_id"] == "ada-example"
    assert result.events[0]["data"]["account_id"] == "globex"
    assert result.events[3]["time"] == "2024-03-01T00:00:00Z"


def test_unknown_layout_needs_a_mapping() -> None:
    with pytest.raises(CrmMappingError):
        parse_crm((CRM_FIXTURES / "custom_pipeline.csv").read_bytes(), tenant_id="acme")
    with pytest.raises(CrmMappingError):
        parse_crm(b"a,b\n1,2\n", tenant_id="acme", mapping=MAVEN)


def test_mapping_validation() -> None:
    with pytest.raises(CrmMappingError):
        CrmMapping.from_dict({"columns": {"opportunity_id": "id"}})
    with pytest.raises(CrmMappingError):
        columns = {"opportunity_id": "id", "rep": "r", "stage": "s", "created_at": "c", "x": "y"}
        CrmMapping.from_dict({"columns": columns})
    with pytest.raises(CrmMappingError):
        CrmMapping.from_dict({"cols": {}})
    minimal = CrmMapping.from_dict({"columns": {"opportunity_id": "id", "rep": "r", "stage": "s", "created_at": "c"}})
    result = parse_crm(b"id,r,s,c\n7,Ada Example,Won,1/2/24\n", tenant_id="acme", mapping=minimal)
    assert result.rejections[0].reason == "closed opportunity has no close date"
    assert minimal.won == ("Won",) and minimal.lost == ("Lost",)


def test_ids_are_stable_and_unique(tmp_path: Path) -> None:
    first = parse_crm(CRM_FIXTURES / "maven_pipeline.csv", tenant_id="acme")
    again = parse_crm((CRM_FIXTURES / "maven_pipeline.csv").read_bytes(), tenant_id="acme")
    assert [e["id"] for e in first.events] == [e["id"] for e in again.events]
    assert len({e["id"] for e in first.events}) == len(first.events)
    doubled = tmp_path / "doubled.csv"
    text = (CRM_FIXTURES / "maven_pipeline.csv").read_text()
    doubled.write_text(text + text.split("\n", 1)[1])
    result = parse_crm(doubled, tenant_id="acme")
    assert result.files[0].duplicates == 7
    assert [e["id"] for e in result.events] == [e["id"] for e in first.events]


def test_maven_corpus_counts_per_agent() -> None:
    path = fixture(MAVEN_PIPELINE)
    won: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    opened: Counter[str] = Counter()
    no_engage = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        agent = row["sales_agent"].strip().lower().replace(" ", "-")
        if not row["engage_date"]:
            no_engage += 1
            continue
        opened[agent] += 1
        if row["deal_stage"] == "Won":
            won[agent] += 1
        elif row["deal_stage"] == "Lost":
            lost[agent] += 1
    result = parse_crm(path, tenant_id="acme")
    (stats,) = result.files
    assert stats.rows_read == len(rows)
    assert stats.rejected == no_engage
    assert stats.rows_with_events + stats.rejected == stats.rows_read
    got_won: Counter[str] = Counter()
    got_lost: Counter[str] = Counter()
    got_opened: Counter[str] = Counter()
    for event in result.events:
        data = event["data"]
        if event["type"] == "rapport.outcome.opportunity.created":
            got_opened[data["rep_id"]] += 1
        elif data["won"]:
            got_won[data["rep_id"]] += 1
        else:
            got_lost[data["rep_id"]] += 1
    assert got_opened == opened
    assert got_won == won
    assert got_lost == lost
    assert len(won) == 30
