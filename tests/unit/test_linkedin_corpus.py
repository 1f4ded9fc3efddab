"""parse_export over EVERY export of the anonymised real-data corpus (tests/fixtures/linkedin/corpus).

Run with ``pytest -s`` to see the per-file table. The corpus is required: a missing fixture
fails these tests.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from importers.linkedin import parse_export
from importers.result import ImportResult
from tests.unit.linkedin_corpus_paths import LINKEDIN_CORPUS, fixture, linkedin_corpus_folders

# Required data fields per event type, copied by hand from docs/contracts.md.
REQUIRED: dict[str, tuple[str, ...]] = {
    "rapport.network.connection.accepted": ("rep_id", "person"),
    "rapport.network.connection.requested": ("rep_id", "person", "direction"),
    "rapport.network.message.sent": ("rep_id", "conversation_id", "person", "channel"),
    "rapport.network.message.received": ("rep_id", "conversation_id", "person", "channel"),
    "rapport.network.endorsement.received": ("rep_id", "person", "skill"),
    "rapport.network.recommendation.received": ("rep_id", "person"),
    "rapport.content.item.published": ("content_id", "kind", "title", "topics", "owner"),
    "rapport.content.item.shared": ("content_id", "rep_id", "channel"),
    "rapport.content.engagement.given": ("rep_id", "kind", "link"),
    "rapport.insight.account.followed": ("rep_id", "company"),
}
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ENVELOPE = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "tenantid", "data"}

_cache: dict[Path, ImportResult] = {}


def parsed(folder: Path) -> ImportResult:
    if folder not in _cache:
        _cache[folder] = parse_export(folder, tenant_id="corpus")
    return _cache[folder]


def structural_problems(event: dict[str, Any], rep_id: str) -> list[str]:
    problems = []
    if set(event) != ENVELOPE:
        problems.append(f"envelope keys {sorted(event)}")
    if event["specversion"] != "1.0" or event["source"] != "rapport/import/linkedin":
        problems.append("specversion/source")
    if event["tenantid"] != "corpus" or event["subject"] != rep_id:
        problems.append("tenant/subject")
    if not TIME.match(event["time"]):
        problems.append(f"time {event['time']!r}")
    required = REQUIRED.get(event["type"])
    if required is None:
        return [*problems, f"unexpected type {event['type']}"]
    data = event["data"]
    problems += [f"missing {field}" for field in required if data.get(field) in (None, "")]
    if "text" not in data and "length" not in data and "message" in event["type"]:
        problems.append("message without text or length")
    person = data.get("person")
    if person is not None:
        if not (person.get("profile_url") or person.get("email") or person.get("name")):
            problems.append("person without profile_url, email or name")
        if not all(isinstance(value, str) and value for value in person.values()):
            problems.append("person with empty or non-string field")
    if data.get("rep_id", rep_id) != rep_id:
        problems.append("data.rep_id differs from the rep")
    return problems


def manifest_rows() -> dict[tuple[str, str], int]:
    """(folder, file) -> data rows, as counted independently in MANIFEST.tsv."""
    with fixture(LINKEDIN_CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        (row["repo"].replace("/", "__"), row["path"].replace("/", "__")): int(row["data_rows"])
        for row in rows
        if row["data_rows"].isdigit()
    }


def test_every_row_is_accounted_for_and_table_printed(capsys: pytest.CaptureFixture[str]) -> None:
    lines = [f"{'folder':42} {'file':58} {'rows':>6} {'w/ev':>6} {'events':>7} {'rej':>6} {'dup':>4}  note"]
    totals = Counter[str]()
    reasons = Counter[str]()
    unexplained = []
    for folder in linkedin_corpus_folders():
        result = parsed(folder)
        for stats in result.files:
            if stats.rows_read != stats.rows_with_events + stats.rejected:
                unexplained.append((folder.name, stats.file))
            totals.update(
                rows=stats.rows_read,
                with_events=stats.rows_with_events,
                events=stats.events,
                rejected=stats.rejected,
                duplicates=stats.duplicates,
            )
            note = stats.skipped_reason or ""
            lines.append(
                f"{folder.name[:42]:42} {stats.file[-58:]:58} {stats.rows_read:6} {stats.rows_with_events:6} "
                f"{stats.events:7} {stats.rejected:6} {stats.duplicates:4}  {note}"
            )
        assert sum(f.rejected for f in result.files) == len(result.rejections)
        assert sum(f.events for f in result.files) == len(result.events)
        reasons.update(rejection.reason for rejection in result.rejections)
    lines.append(f"TOTAL {dict(totals)}")
    lines += [f"  rejected {count:6}  {reason}" for reason, count in reasons.most_common()]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert unexplained == []
    assert totals["rows"] == totals["with_events"] + totals["rejected"]
    assert totals["events"] > 0


def test_rows_read_match_the_manifest() -> None:
    expected = manifest_rows()
    checked = 0
    for folder in linkedin_corpus_folders():
        for stats in parsed(folder).files:
            key = (folder.name, stats.file)
            if stats.skipped_reason is None and key in expected:
                assert stats.rows_read == expected[key], key
                checked += 1
    assert checked >= 40


def test_events_are_structurally_valid() -> None:
    problems: Counter[str] = Counter()
    for folder in linkedin_corpus_folders():
        result = parsed(folder)
        assert result.rep_id
        for event in result.events:
            for problem in structural_problems(event, result.rep_id):
                problems[f"{folder.name}: {event['type']}: {problem}"] += 1
        assert len({event["id"] for event in result.events}) == len(result.events)
    assert dict(problems) == {}


def test_parsing_twice_gives_identical_ids() -> None:
    for folder in linkedin_corpus_folders():
        again = parse_export(folder, tenant_id="corpus")
        assert [event["id"] for event in again.events] == [event["id"] for event in parsed(folder).events]
        assert again.rejections == parsed(folder).rejections


def test_reps_are_detected() -> None:
    reps = {folder.name: parsed(folder).rep_id for folder in linkedin_corpus_folders()}
    owners_with_activity = [name for name, rep in reps.items() if rep != "unknown"]
    assert len(owners_with_activity) >= len(reps) - 1
    for folder in linkedin_corpus_folders():
        result = parsed(folder)
        sent = [e for e in result.events if e["type"] == "rapport.network.message.sent"]
        received = [e for e in result.events if e["type"] == "rapport.network.message.received"]
        if sent or received:
            assert sent and received, folder.name
