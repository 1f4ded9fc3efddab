"""Result types shared by the importers.

Accounting rule: every data row of a file becomes at least one event or exactly one
``Rejection``; so for every file ``rows_read == rows_with_events + rejected``. ``events`` may be
larger than ``rows_with_events`` (a LinkedIn share yields two events, a message to several
people one per recipient). Files the product has no use for are listed with ``skipped_reason``
and are not read (all their counts stay 0). ``duplicates`` counts events dropped because an
event with the same id was already produced earlier in the same import (for example the same
endorsement listed in two files of one export).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]


class RowRejected(Exception):
    """Raised by a row mapper: the row yields no event, for ``reason``."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason if detail is None else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Rejection:
    """A data row that produced no event. ``line`` is the 1-based line where the row starts."""

    file: str
    line: int
    reason: str
    detail: str | None = None


@dataclass
class FileStats:
    """Per-file accounting (see the module docstring)."""

    file: str
    kind: str | None = None
    rows_read: int = 0
    rows_with_events: int = 0
    events: int = 0
    rejected: int = 0
    duplicates: int = 0
    encoding: str | None = None
    skipped_reason: str | None = None


@dataclass
class ImportResult:
    """Everything an import produced: events (unique ids), rejections and per-file stats."""

    events: list[Event] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    files: list[FileStats] = field(default_factory=list)
    rep_id: str | None = None
    rep_profile_url: str | None = None
    rep_name: str | None = None
    warnings: list[str] = field(default_factory=list)
