"""CSV exports: the answer of a list read when the request asks `Accept: text/csv` (docs/integrations.md,
"CSV exports").

- **Columns** come from the route's public model (rapportkit.contracts): a nested model's fields
  become dotted columns (`pillars.insight`, `buying_centre.class`, `engagement.by_kind`); a field
  that is free-form (a `dict[str, Any]` such as an alert's evidence, or a list) is one cell of JSON.
  Aliases are the names, as in the JSON (`class`, `from`).
- **RFC 4180** through the `csv` module: a header row, CRLF line ends, fields with commas, quotes or
  line breaks quoted, quotes doubled; UTF-8 without a byte-order mark.
- **Formula injection**: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
  is written with a leading `'`, so a spreadsheet shows it as text instead of running it. Numbers are
  written as numbers (a negative number stays `-1.5`).
- **Streamed**: rows are written in chunks as the iterator yields them, so a large export is never
  held as one string in memory.
"""

from __future__ import annotations

import csv
import io
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from rapportkit import jsonutil

MEDIA_TYPE = "text/csv"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500

Column = tuple[str, ...]  # the path of a value in a row: ("pillars", "insight")

# The OpenAPI declaration of a route that also answers CSV: `@router.get(..., responses=CSV_ANSWER)`.
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPE: {"schema": {"type": "string", "description": (
        "with `Accept: text/csv`: the whole result as CSV (RFC 4180, header row, nested fields as "
        "dotted columns; docs/integrations.md)")}}}}}


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def wants_csv(request: Request) -> bool:
    """True when the request's Accept header prefers `text/csv` to JSON (at least as high a quality)."""
    accept = request.headers.get("accept", "")
    if MEDIA_TYPE not in accept.lower():
        return False
    csv_q = json_q = 0.0
    for part in accept.split(","):
        media, *params = part.split(";")
        media = media.strip().lower()
        if media == MEDIA_TYPE:
            csv_q = max(csv_q, _quality(params))
        elif media == "application/json":
            json_q = max(json_q, _quality(params))
    return csv_q > 0 and csv_q >= json_q


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (also when optional), else None (a leaf)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        models = [m for arg in get_args(annotation) if arg is not type(None) and (m := _model_of(arg))]
        return models[0] if len(models) == 1 else None
    return None


def columns(model: type[BaseModel], prefix: Column = ()) -> list[Column]:
    """The columns of one line of `model`: nested models flattened, in the model's field order."""
    found: list[Column] = []
    for name, info in model.model_fields.items():
        path = (*prefix, info.alias or name)
        nested = _model_of(info.annotation)
        found.extend(columns(nested, path) if nested is not None else [path])
    return found


def header(column: Column) -> str:
    return ".".join(column)


def value_at(row: Mapping[str, Any], column: Column) -> Any:
    value: Any = row
    for key in column:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def cell(value: Any) -> str | int | float:
    """One value as a CSV cell: text neutralised against formula injection, JSON for structures."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping | list | tuple):
        return jsonutil.dumps(value).decode()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def lines(rows: Iterable[Mapping[str, Any]], cols: Sequence[Column]) -> Iterator[bytes]:
    """The CSV bytes of `rows`: the header, then the rows in chunks of CHUNK_ROWS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    writer.writerow([header(c) for c in cols])
    yield flush()
    pending = 0
    for row in rows:
        writer.writerow([cell(value_at(row, c)) for c in cols])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield flush()
            pending = 0
    if pending:
        yield flush()


def response(rows: Iterable[Mapping[str, Any]], cols: Sequence[Column], *, filename: str) -> StreamingResponse:
    """A streamed `text/csv` answer, offered as a download named `filename`."""
    return StreamingResponse(lines(rows, cols), media_type=f"{MEDIA_TYPE}; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
