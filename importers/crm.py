"""CRM opportunity CSV importer: ``parse_crm(data, tenant_id=..., mapping=None)``.

Events (source ``rapport/import/crm``, subject = rep_id):

* ``outcome.opportunity.created`` at the creation date (Maven: ``engage_date``) with
  ``opportunity_id``, ``rep_id``, ``account_id``, ``amount``, ``stage``;
* ``outcome.opportunity.closed`` at the close date for rows whose stage is a won or lost
  stage, with ``won`` and ``amount`` (Maven: ``close_value``).

Decisions:

* ``rep_id`` is the slug of the rep column (``Moses Frase`` -> ``moses-frase``), the same slug
  the LinkedIn importer gives a rep known only by name; the raw value is kept in ``rep_name``.
* ``account_id`` is the slug of the account name; rows without an account (1,425 open Maven
  deals) get ``account_id`` ``"unknown"`` and ``account_name`` null, so they still count for
  their rep instead of being dropped.
* ``amount`` is a float. The platform's schema requires a number, so a row with no value
  (open deals have none yet) gets ``0.0`` and ``"amount_known": false``.
  ``stage`` is the row's current stage, lower-cased (a CSV is a snapshot: the stage at
  creation is not known).
* A row without a creation date (Maven ``Prospecting``: not engaged yet) is rejected
  (``opportunity has no creation date``): an event needs a time. A won/lost row without a
  close date is rejected too rather than half-imported. Every row yields events or exactly
  one rejection.
* Dates use the LinkedIn date parser (ISO ``2016-10-20``, ``M/D/YY``...); naive = UTC.
* Ids: ``uuid5(NAMESPACE, f"{tenant}|crm|opportunities|{type}|{opportunity_id}")``, so a
  later export of the same pipeline keeps the ids of the same opportunities.
* The Maven layout is recognised by its header; any other layout needs a ``CrmMapping``
  (``CrmMapping.load(json_path)``), else ``CrmMappingError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from importers.events import build_event, event_id, short_id
from importers.linkedin.dates import parse_timestamp
from importers.linkedin.reading import HeaderNotFound, Row, read_table
from importers.people import slugify
from importers.result import Event, FileStats, ImportResult, Rejection, RowRejected

SOURCE = "rapport/import/crm"
SYSTEM = "crm"
FILE_KIND = "opportunities"
UNKNOWN_ACCOUNT = "unknown"


class CrmMappingError(ValueError):
    """The CSV does not match the mapping (or no mapping fits it)."""


@dataclass(frozen=True)
class CrmMapping:
    """Which CSV column holds what, and which stage values mean won / lost."""

    opportunity_id: str
    rep: str
    stage: str
    created_at: str
    account: str | None = None
    closed_at: str | None = None
    amount: str | None = None
    product: str | None = None
    won: tuple[str, ...] = ("Won",)
    lost: tuple[str, ...] = ("Lost",)

    def required_columns(self) -> list[str]:
        """Every column the mapping names."""
        return [
            value
            for item in fields(self)
            if item.name not in ("won", "lost") and isinstance(value := getattr(self, item.name), str)
        ]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> CrmMapping:
        """From ``{"columns": {"opportunity_id": ..., "rep": ...}, "won": [...], "lost": [...]}``."""
        columns = raw.get("columns")
        if not isinstance(columns, Mapping):
            raise CrmMappingError("mapping needs a 'columns' object")
        known = {item.name for item in fields(cls)} - {"won", "lost"}
        unknown = set(columns) - known
        if unknown:
            raise CrmMappingError(f"unknown mapping keys: {sorted(unknown)}")
        if unknown := set(raw) - {"columns", "won", "lost"}:
            raise CrmMappingError(f"unknown mapping keys: {sorted(unknown)}")
        try:
            return cls(
                **{key: str(value) for key, value in columns.items()},
                won=tuple(str(v) for v in raw.get("won", cls.won)),
                lost=tuple(str(v) for v in raw.get("lost", cls.lost)),
            )
        except TypeError as error:
            raise CrmMappingError(f"incomplete mapping: {error}") from None

    @classmethod
    def load(cls, path: Path | str) -> CrmMapping:
        """Read a mapping JSON file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


MAVEN = CrmMapping(
    opportunity_id="opportunity_id",
    rep="sales_agent",
    stage="deal_stage",
    created_at="engage_date",
    account="account",
    closed_at="close_date",
    amount="close_value",
    product="product",
)


def _amount(text: str) -> float | None:
    cleaned = text.replace(",", "").replace("$", "").replace("€", "").replace("£", "").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise RowRejected("unparseable amount", text) from None
    if value < 0 or value != value:
        raise RowRejected("negative or invalid amount", text)
    return value


def _time(text: str, missing: str) -> Any:
    if not text:
        raise RowRejected(missing)
    try:
        return parse_timestamp(text)
    except ValueError:
        raise RowRejected("unparseable date", text) from None


def _event(tenant_id: str, type_: str, rep_id: str, time: Any, data: dict[str, Any]) -> Event:
    return build_event(
        event_id=event_id(tenant_id, SYSTEM, FILE_KIND, [type_, data["opportunity_id"]]),
        source=SOURCE,
        type_=type_,
        subject=rep_id,
        time=time,
        tenant_id=tenant_id,
        data=data,
    )


def _map_row(row: Row, mapping: CrmMapping, tenant_id: str) -> list[Event]:
    def cell(column: str | None) -> str:
        return row.get(column) if column else ""

    opportunity_id, rep_name = cell(mapping.opportunity_id), cell(mapping.rep)
    stage = cell(mapping.stage)
    if not opportunity_id:
        raise RowRejected("row has no opportunity id")
    if len(opportunity_id) > 200:
        raise RowRejected("opportunity id longer than 200 characters")
    if not rep_name:
        raise RowRejected("row has no rep")
    created = _time(cell(mapping.created_at), "opportunity has no creation date")
    amount = _amount(cell(mapping.amount))
    account = cell(mapping.account)
    rep_id = short_id(slugify(rep_name) or rep_name, "rep-")
    common: dict[str, Any] = {
        "opportunity_id": opportunity_id,
        "rep_id": rep_id,
        "account_id": short_id(slugify(account) or account, "account-") if account else UNKNOWN_ACCOUNT,
        "amount": 0.0 if amount is None else amount,
    }
    if amount is None:
        common["amount_known"] = False
    won = stage.lower() in {value.lower() for value in mapping.won}
    lost = stage.lower() in {value.lower() for value in mapping.lost}
    closed = _time(cell(mapping.closed_at), "closed opportunity has no close date") if won or lost else None
    created_data = {
        **common,
        "stage": stage.lower(),
        "rep_name": rep_name,
        "account_name": account or None,
    }
    if cell(mapping.product):
        created_data["product"] = cell(mapping.product)
    events = [_event(tenant_id, "outcome.opportunity.created", rep_id, created, created_data)]
    if closed is not None:
        closed_data = {**common, "won": won, "stage": stage.lower()}
        events.append(_event(tenant_id, "outcome.opportunity.closed", rep_id, closed, closed_data))
    return events


def parse_crm(
    data: bytes | Path, *, tenant_id: str, mapping: CrmMapping | None = None, name: str | None = None
) -> ImportResult:
    """Parse a CRM opportunity CSV (see the module docstring); ``name`` labels the file in the stats
    and rejections (default: the path's name, or ``crm.csv`` for bytes)."""
    name = name or (data.name if isinstance(data, Path) else "crm.csv")
    raw = data.read_bytes() if isinstance(data, Path) else data
    chosen = mapping or MAVEN
    try:
        table = read_table(raw, chosen.required_columns())
    except HeaderNotFound:
        if mapping is None:
            raise CrmMappingError("header is not the Maven layout; pass a CrmMapping") from None
        raise CrmMappingError(f"header lacks mapped columns {chosen.required_columns()}") from None
    stats = FileStats(file=name, kind=FILE_KIND, encoding=table.encoding)
    result = ImportResult(files=[stats])
    seen: set[str] = set()
    for row in table.rows:
        stats.rows_read += 1
        try:
            events = _map_row(row, chosen, tenant_id)
        except RowRejected as rejected:
            result.rejections.append(Rejection(name, row.line, rejected.reason, rejected.detail))
            stats.rejected += 1
            continue
        stats.rows_with_events += 1
        for event in events:
            if event["id"] in seen:
                stats.duplicates += 1
                continue
            seen.add(event["id"])
            result.events.append(event)
            stats.events += 1
    return result
