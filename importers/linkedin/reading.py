"""Turning export bytes into rows: encoding, delimiter, header search, line numbers.

* Encoding: UTF-8 with or without BOM, UTF-16 LE/BE with BOM (2018 exports, tab-separated),
  UTF-16 LE without BOM when every other byte is NUL; anything else that is not valid UTF-8
  is read as cp1252 with replacement characters (reported in ``encoding``).
* Delimiter: tab when the first lines hold more tabs than commas, else comma.
* Line endings: CRLF, LF, CR and mixtures; a quoted field may span lines and is ONE row.
  U+2028 and NBSP inside fields are data, not line breaks.
* Header: the first row (among the first ``HEADER_SCAN`` rows) that holds all the columns the
  file kind needs; anything before it is preamble (the ``Notes:`` paragraph of Connections).
  Column names are compared case-, space- and punctuation-insensitively (``ShareLink`` =
  ``Share Link``).
* Blank lines are not rows. A row's ``line`` is the 1-based physical line where it starts.
* Comments.csv writes multi-line messages unquoted: ``read_timestamped_table`` rebuilds rows
  by starting a new row only at a line that begins with a timestamp and joining the other
  lines to the row before; the last column takes the rest of the row (quoted with ``""`` or
  ``\\"`` escapes, or bare).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

HEADER_SCAN = 25
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))

_NON_ALNUM = re.compile(r"[^0-9a-z]")
_RECORD_START = re.compile(r'^"?\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}')
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class HeaderNotFound(ValueError):
    """The file holds no row with the columns its kind needs."""


def column_key(name: str) -> str:
    """Comparable form of a column name: ``"Sent At"`` -> ``"sentat"``."""
    return _NON_ALNUM.sub("", name.replace("\ufeff", "").casefold())


@dataclass
class Row:
    """One data row: ``values`` keyed by ``column_key`` of the header names."""

    line: int
    values: dict[str, str]
    extra_cells: int = 0

    def raw(self, *names: str) -> str:
        """Value of the first of ``names`` present in the row, unmodified ('' if none)."""
        for name in names:
            value = self.values.get(column_key(name))
            if value is not None:
                return value
        return ""

    def get(self, *names: str) -> str:
        """Like ``raw`` but stripped (NBSP counts as space)."""
        return self.raw(*names).replace("\xa0", " ").strip()

    def has(self, name: str) -> bool:
        """True when the file has the column ``name``."""
        return column_key(name) in self.values

    def is_blank(self) -> bool:
        """True when every cell is empty."""
        return not any(value.strip() for value in self.values.values())


@dataclass
class Table:
    """A parsed file: its header (original spelling), rows, and how it was decoded."""

    header: list[str]
    rows: list[Row] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def columns(self) -> set[str]:
        """Header names as ``column_key`` values."""
        return {column_key(name) for name in self.header}


def decode(data: bytes) -> tuple[str, str]:
    """Decode export bytes; returns ``(text, encoding name)``."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", errors="replace"), "utf-16-le"
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace"), "utf-16-be"
    sample = data[:512]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def detect_delimiter(text: str) -> str:
    """Tab when the first lines have more tabs than commas, else comma."""
    sample = text[:4096]
    return "\t" if sample.count("\t") > sample.count(",") else ","


def _matches(cells: list[str], required: set[str]) -> bool:
    return required <= {column_key(cell) for cell in cells}


def read_table(data: bytes, required: Iterable[str]) -> Table:
    """Read a CSV/TSV export file whose header holds all ``required`` columns."""
    text, encoding = decode(data)
    needed = {column_key(name) for name in required}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    header: list[str] | None = None
    keys: list[str] = []
    rows: list[Row] = []
    scanned = 0
    last_line = 0
    for cells in reader:
        start, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            scanned += 1
            if _matches(cells, needed):
                header = [cell.replace("\ufeff", "").strip() for cell in cells]
                keys = [column_key(cell) for cell in header]
            elif scanned >= HEADER_SCAN:
                break
            continue
        values = dict(zip(keys, cells, strict=False))
        for key in keys[len(cells) :]:
            values[key] = ""
        rows.append(Row(start, values, max(0, len(cells) - len(keys))))
    if header is None:
        raise HeaderNotFound(f"no header with columns {sorted(needed)}")
    return Table(header, rows, encoding)


def _take_field(text: str) -> tuple[str, str]:
    """Split one leading CSV field off ``text``; returns ``(value, rest after the comma)``."""
    if text.startswith('"'):
        index, out = 1, []
        while index < len(text):
            char = text[index]
            if char == "\\" and text[index + 1 : index + 2] == '"':
                out.append('"')
                index += 2
            elif char == '"' and text[index + 1 : index + 2] == '"':
                out.append('"')
                index += 2
            elif char == '"':
                rest = text[index + 1 :]
                return "".join(out), rest[1:] if rest.startswith(",") else rest
            else:
                out.append(char)
                index += 1
        return "".join(out), ""
    value, _, rest = text.partition(",")
    return value, rest


def _last_field(text: str) -> str:
    text = text.rstrip("\r\n ")
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('\\"', '"').replace('""', '"')
    return text


def read_timestamped_table(data: bytes, required: Iterable[str]) -> Table:
    """Read a file whose rows start with a timestamp and whose last column may be unquoted
    multi-line text (Comments.csv); see the module docstring."""
    text, encoding = decode(data)
    lines = _LINE_BREAK.split(text)
    needed = {column_key(name) for name in required}
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, start=1):
        if header is None:
            if line.strip() and number <= HEADER_SCAN:
                cells = next(csv.reader([line]))
                if _matches(cells, needed):
                    header = [cell.replace("\ufeff", "").strip() for cell in cells]
            continue
        if _RECORD_START.match(line) or not records:
            if not line.strip():
                continue
            records.append((number, [line]))
        else:
            records[-1][1].append(line)
    if header is None:
        raise HeaderNotFound(f"no header with columns {sorted(needed)}")
    keys = [column_key(name) for name in header]
    rows: list[Row] = []
    for number, parts in records:
        rest = "\n".join(parts).rstrip("\n")
        values: dict[str, str] = {}
        for key in keys[:-1]:
            values[key], rest = _take_field(rest)
        values[keys[-1]] = _last_field(rest)
        rows.append(Row(number, values))
    return Table(header, rows, encoding)
