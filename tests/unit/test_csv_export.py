"""The CSV export helper (rapportkit.csv_export): columns from the contract models, RFC 4180 quoting
read back by the `csv` module, formula injection neutralised, and which Accept asks for CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from starlette.requests import Request

from rapportkit import csv_export
from rapportkit.contracts.insight import AccountSummary
from rapportkit.contracts.scoring import Alert, LeaderboardLine


def parse(rows: Sequence[Mapping[str, object]], cols: list[csv_export.Column]) -> list[list[str]]:
    raw = b"".join(csv_export.lines(rows, cols))
    assert raw.endswith(b"\r\n")
    return list(csv.reader(io.StringIO(raw.decode(), newline="")))


def request(accept: str | None) -> Request:
    headers = [(b"accept", accept.encode())] if accept is not None else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


def test_nested_models_become_dotted_columns_with_aliases() -> None:
    assert [csv_export.header(c) for c in csv_export.columns(LeaderboardLine)] == [
        "rep_id", "name", "team_id", "total", "pillars.insight", "pillars.connect", "pillars.engage",
        "pillars.brand", "rank"]
    headers = [csv_export.header(c) for c in csv_export.columns(AccountSummary)]
    assert "buying_centre.size" in headers and "buying_centre.class" in headers  # the alias, as in the JSON


def test_free_form_fields_are_one_json_cell() -> None:
    cols = csv_export.columns(Alert)
    assert [csv_export.header(c) for c in cols] == ["kind", "date", "evidence", "raised_at"]
    [_, row] = parse([{"kind": "mass_message", "date": "2026-11-20", "raised_at": "2026-11-20T10:00:00Z",
                       "evidence": {"recipients": 12, "people": ["a", "b"]}}], cols)
    assert row[2] == '{"recipients":12,"people":["a","b"]}'


def test_quoting_round_trips_commas_quotes_and_line_breaks() -> None:
    text = 'Acme, Inc. said "hi"\nthen left'
    cols: list[csv_export.Column] = [("name",), ("n",), ("ok",), ("missing",)]
    raw = b"".join(csv_export.lines([{"name": text, "n": 3, "ok": True}], cols))
    assert b'"Acme, Inc. said ""hi""\nthen left"' in raw  # quoted, quotes doubled
    assert parse([{"name": text, "n": 3, "ok": True}], cols) == [["name", "n", "ok", "missing"],
                                                                 [text, "3", "true", ""]]


def test_formula_injection_is_neutralised_but_numbers_are_not() -> None:
    cols: list[csv_export.Column] = [("v",)]
    rows = [{"v": v} for v in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "plain", -1.5, 0)]
    assert [r[0] for r in parse(rows, cols)[1:]] == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "plain", "-1.5", "0"]


def test_large_exports_stream_in_chunks() -> None:
    chunks = list(csv_export.lines(({"v": i} for i in range(csv_export.CHUNK_ROWS * 2 + 1)), [("v",)]))
    assert len(chunks) == 4  # the header, then two full chunks and the rest
    assert len(parse([{"v": i} for i in range(1200)], [("v",)])) == 1201


def test_accept_asks_for_csv_only_when_preferred() -> None:
    assert csv_export.wants_csv(request("text/csv"))
    assert csv_export.wants_csv(request("text/csv, application/json;q=0.5"))
    assert csv_export.wants_csv(request("Text/CSV; charset=utf-8"))
    assert not csv_export.wants_csv(request(None))
    assert not csv_export.wants_csv(request("application/json"))
    assert not csv_export.wants_csv(request("*/*"))
    assert not csv_export.wants_csv(request("application/json, text/csv;q=0.5"))
    assert not csv_export.wants_csv(request("text/csv;q=0"))
