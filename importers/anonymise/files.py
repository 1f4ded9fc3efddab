"""Anonymising one export file in place of its bytes, keeping everything but the personal data.

The file is decoded exactly (its BOM and codec noted; bytes that are not valid text are refused,
never replaced), cut into cells by their offsets in the text, and each cell after the header is
rewritten by its column's policy (``fields``). Nothing is re-serialised: preamble lines, the
header, quotes, delimiters and line endings are the original characters, and the result is
encoded back with the same codec and BOM. Comments.csv, whose multi-line messages are unquoted,
is cut as ``importers.linkedin.reading.read_timestamped_table`` reads it: a line starting with a
timestamp opens a row, the other lines belong to the last column of the row before. Article HTML
keeps its markup, styles and scripts; only the text between tags is replaced.
"""

from __future__ import annotations

import re

from importers.anonymise.fields import Policy, policy, text
from importers.anonymise.pseudonyms import Pseudonyms
from importers.linkedin import catalog
from importers.linkedin.reading import _RECORD_START, column_key, detect_delimiter

Span = tuple[int, int]
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_TAGS = re.compile(r"(<(style|script)\b.*?</\2\s*>|<[^>]*>)", re.IGNORECASE | re.DOTALL)


def decode_exact(data: bytes) -> tuple[bytes, str, str]:
    """``(bom, codec, text)``; raises ``UnicodeDecodeError`` rather than lose a byte."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return bom, codec, data[len(bom):].decode(codec)
    return b"", "utf-8", data.decode("utf-8")


def anonymise_file(p: Pseudonyms, path: str, data: bytes) -> bytes:
    """The anonymised bytes of the export file at ``path`` (its name decides how it is read)."""
    bom, codec, content = decode_exact(data)
    if catalog.is_article(path):
        pieces = _TAGS.split(content)
        out = "".join(_html_piece(p, pieces, index) for index in range(len(pieces)))
    else:
        name = catalog.canonical_name(path)
        kind = catalog.ACTIVITY_FILES.get(name) or (catalog.PROFILE_KIND if name == catalog.PROFILE_FILE else None)
        required = kind.required if kind else ()
        if kind is not None and kind.name == catalog.COMMENTS:
            cells = _timestamped_cells(content, required)
        else:
            cells = _csv_cells(content, detect_delimiter(content), required)
        out = _rewrite(p, content, cells)
    return bom + out.encode(codec)


def _html_piece(p: Pseudonyms, pieces: list[str], index: int) -> str:
    # _TAGS has two groups: split() yields text, whole tag, tag name (style/script or None), text...
    position = index % 3
    if position == 0:
        return text(p, pieces[index])
    return pieces[index] if position == 1 else ""


def _rewrite(p: Pseudonyms, content: str, cells: list[tuple[Span, Policy]]) -> str:
    out: list[str] = []
    done = 0
    for (start, end), rule in cells:
        out.append(content[done:start])
        out.append(rule(p, content[start:end]))
        done = end
    out.append(content[done:])
    return "".join(out)


def _value(content: str, span: Span) -> str:
    return content[span[0]:span[1]].replace('""', '"')


def _is_header(cells: list[str], required: tuple[str, ...]) -> bool:
    if not required:
        return any(cell.strip() for cell in cells)
    return {column_key(name) for name in required} <= {column_key(cell) for cell in cells}


def _csv_cells(content: str, delimiter: str, required: tuple[str, ...]) -> list[tuple[Span, Policy]]:
    """Cells after the header row, with their column's policy; rows before it are kept."""
    keys: list[str] | None = None
    cells: list[tuple[Span, Policy]] = []
    for record in _records(content, delimiter):
        if keys is None:
            values = [_value(content, span) for span in record]
            if _is_header(values, required):
                keys = [column_key(value) for value in values]
            continue
        cells += [(span, policy(keys[index] if index < len(keys) else "")) for index, span in enumerate(record)]
    return cells


def _records(content: str, delimiter: str) -> list[list[Span]]:
    """Rows as lists of cell spans (inside the quotes of a quoted cell), like ``csv.reader``."""
    records: list[list[Span]] = []
    fields: list[Span] = []
    i, n = 0, len(content)
    while True:
        if i < n and content[i] == '"':
            j = i + 1
            while j < n and not (content[j] == '"' and content[j + 1 : j + 2] != '"'):
                j += 2 if content[j] == '"' else 1
            k = min(j + 1, n)
            while k < n and content[k] not in (delimiter, "\r", "\n"):
                k += 1
            fields.append((i + 1, k if k > j + 1 else min(j, n)))
            i = k
        else:
            j = i
            while j < n and content[j] not in (delimiter, "\r", "\n"):
                j += 1
            fields.append((i, j))
            i = j
        if i >= n:
            records.append(fields)
            return records
        if content[i] == delimiter:
            i += 1
            continue
        i += 2 if content.startswith("\r\n", i) else 1
        records.append(fields)
        fields = []


def _take(content: str, start: int, end: int) -> tuple[Span, int]:
    """One leading cell of ``content[start:end]`` (``\\"`` or ``""`` escapes); returns its span
    and where the next cell starts."""
    if content.startswith('"', start):
        i = start + 1
        while i < end:
            if content[i] in '\\"' and content[i + 1 : i + 2] == '"' and i + 1 < end:
                i += 2
            elif content[i] == '"':
                return (start + 1, i), min(i + 2, end) if content[i + 1 : i + 2] == "," else i + 1
            else:
                i += 1
        return (start + 1, end), end
    comma = content.find(",", start, end)
    return ((start, comma), comma + 1) if comma >= 0 else ((start, end), end)


def _timestamped_cells(content: str, required: tuple[str, ...]) -> list[tuple[Span, Policy]]:
    keys: list[str] | None = None
    cells: list[tuple[Span, Policy]] = []
    for match in _LINES.finditer(content):
        start, end = match.start(), match.start() + len(match.group(0).rstrip("\r\n"))
        line = content[start:end]
        if keys is None:
            if _is_header(line.split(","), required):
                keys = [column_key(name) for name in line.split(",")]
            continue
        if not _RECORD_START.match(line):
            cells.append(((start, end), policy(keys[-1])))
            continue
        at = start
        for key in keys[:-1]:
            span, at = _take(content, at, end)
            cells.append((span, policy(key)))
        cells.append(((at, end), policy(keys[-1])))
    return cells
