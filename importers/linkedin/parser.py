"""``parse_export``: a whole LinkedIn export -> events, rejections and per-file stats.

Three passes: read every activity file into rows (plus Profile.csv), work out the rep
(``rep``), build the export's name directory (``directory``), then map each row. Every data
row yields at least one event or exactly one ``Rejection``; events are unique by id within
the import (a repeated id is counted in ``FileStats.duplicates``). Files are processed in path
order, so the output is deterministic.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from importers.linkedin import catalog, content, messages, network
from importers.linkedin.archive import read_export
from importers.linkedin.context import Context
from importers.linkedin.directory import build_directory
from importers.linkedin.reading import HeaderNotFound, Row, Table, read_table, read_timestamped_table
from importers.linkedin.rep import detect_rep
from importers.result import Event, FileStats, ImportResult, Rejection, RowRejected

RowMapper = Callable[[Row], list[Event]]


def _rowwise(function: Callable[[Row, Context], list[Event]]) -> Callable[[Table, Context], RowMapper]:
    def make(_table: Table, ctx: Context) -> RowMapper:
        return lambda row: function(row, ctx)

    return make


MAPPERS: dict[str, Callable[[Table, Context], RowMapper]] = {
    catalog.CONNECTIONS: _rowwise(network.map_connection),
    catalog.INVITATIONS: _rowwise(network.map_invitation),
    catalog.ENDORSEMENTS: _rowwise(network.map_endorsement),
    catalog.RECOMMENDATIONS: _rowwise(network.map_recommendation),
    catalog.MESSAGES: messages.mapper,
    catalog.SHARES: _rowwise(content.map_share),
    catalog.COMMENTS: _rowwise(content.map_comment),
    catalog.REACTIONS: _rowwise(content.map_reaction),
    catalog.COMPANY_FOLLOWS: _rowwise(content.map_company_follow),
}


@dataclass
class _Loaded:
    kind: str
    table: Table
    stats: FileStats


def _read(data: bytes, kind: catalog.FileKind) -> Table:
    if kind.name == catalog.COMMENTS:
        return read_timestamped_table(data, kind.required)
    return read_table(data, kind.required)


def _load(source: Path | bytes, result: ImportResult) -> tuple[list[_Loaded], list[Table]]:
    loaded: list[_Loaded] = []
    profiles: list[Table] = []
    for item in read_export(source):
        stats = FileStats(file=item.path, skipped_reason=catalog.ignored_reason(item.path))
        result.files.append(stats)
        name = catalog.canonical_name(item.path)
        if name == catalog.PROFILE_FILE:
            stats.kind = catalog.PROFILE
            try:
                profiles.append(read_table(item.data, catalog.PROFILE_KIND.required))
            except HeaderNotFound:
                result.warnings.append(f"{item.path}: no profile header; rep name not read")
            continue
        if stats.skipped_reason is not None:
            continue
        kind = catalog.ACTIVITY_FILES[name]
        stats.kind = kind.name
        try:
            table = _read(item.data, kind)
        except HeaderNotFound as error:
            stats.skipped_reason = f"header not found: {error}"
            continue
        except csv.Error as error:
            stats.skipped_reason = f"unreadable CSV: {error}"
            continue
        stats.encoding = table.encoding
        loaded.append(_Loaded(kind.name, table, stats))
    return loaded, profiles


def parse_export(
    source: Path | bytes,
    *,
    tenant_id: str,
    rep_id: str | None = None,
    rep_profile_url: str | None = None,
) -> ImportResult:
    """Parse a LinkedIn export (zip bytes, zip path or folder) into CloudEvents.

    ``rep_id`` / ``rep_profile_url`` override what the export says about its owner.
    """
    result = ImportResult()
    loaded, profiles = _load(source, result)

    def tables(kind: str) -> list[Table]:
        return [item.table for item in loaded if item.kind == kind]

    rep, warnings = detect_rep(
        profile=profiles,
        messages=tables(catalog.MESSAGES),
        invitations=tables(catalog.INVITATIONS),
        rep_id=rep_id,
        rep_profile_url=rep_profile_url,
    )
    result.rep_id, result.rep_profile_url, result.rep_name = rep.rep_id, rep.profile_url, rep.name
    result.warnings.extend(warnings)
    directory = build_directory(((item.kind, item.table) for item in loaded), rep.is_rep)
    seen: set[str] = set()
    for item in loaded:
        ctx = Context(tenant_id=tenant_id, rep=rep, directory=directory, kind=item.kind)
        mapper = MAPPERS[item.kind](item.table, ctx)
        for row in item.table.rows:
            item.stats.rows_read += 1
            try:
                events = mapper(row)
                if not events:
                    raise RowRejected("row produced no event")
            except RowRejected as rejected:
                result.rejections.append(Rejection(item.stats.file, row.line, rejected.reason, rejected.detail))
                item.stats.rejected += 1
                continue
            item.stats.rows_with_events += 1
            for event in events:
                if event["id"] in seen:
                    item.stats.duplicates += 1
                    continue
                seen.add(event["id"])
                result.events.append(event)
                item.stats.events += 1
    return result
