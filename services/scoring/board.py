"""The leaderboard's scores, kept per process and brought up to date incrementally.

Ranking a tenant means scoring every rep with facts in the window: with 10k reps and a third of a
million facts in 30 days that is seconds of work, too slow to redo on every read. So each API
process keeps the last board it computed per (tenant, day, settings), stamped with the tenant's
versions (models.TenantVersionRow, bumped by the consumer in the transaction that changes the
inputs, read here in the same snapshot as the facts):
- versions unchanged: the board is current, served as it is;
- only facts changed (`version` moved, `context_version` did not): only the reps whose facts
  changed since (models.RepVersionRow) are scored again; a rep's score reads only its own facts
  and the tenant's context, so every other rep's score still holds;
- the context changed (buying centres, accounts, signals, content owners, an erasure), or no
  board yet: every rep is scored again.
So a board is never stale: it is exactly what scoring every rep from the facts would give now.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapportkit import jsonutil
from services.scoring.models import RepVersionRow, TenantVersionRow
from services.scoring.queries import scores_of, window_facts
from services.scoring.settings import ScoringSettings

BOARDS_KEPT = 16  # (tenant, day, settings) boards per process; the least recently read goes first


@dataclass(frozen=True)
class Entry:
    total: float
    pillars: dict[str, float]


@dataclass(frozen=True)
class Board:
    version: int
    context_version: int
    entries: dict[str, Entry]  # rep → its score of the day


class Boards:
    def __init__(self, kept: int = BOARDS_KEPT):
        self.kept = kept
        self._boards: OrderedDict[tuple[str, date, str], Board] = OrderedDict()
        self._lock = threading.Lock()

    def scores(self, session: Session, tenant_id: str, day: date, settings: ScoringSettings) -> dict[str, Entry]:
        """Every rep with facts in the window of `day`, with its total and pillars, as of `session`'s
        snapshot (a `read_session`, so the versions and the facts agree)."""
        key = (tenant_id, day, jsonutil.dumps(asdict(settings)).decode())
        row = session.get(TenantVersionRow, tenant_id)
        version, context = (row.version, row.context_version) if row else (0, 0)
        with self._lock:
            board = self._boards.get(key)
        if board is not None and board.version == version and board.context_version == context:
            entries = board.entries
        elif board is not None and board.context_version == context and board.version < version:
            changed = set(session.scalars(select(RepVersionRow.rep_id).where(
                RepVersionRow.tenant_id == tenant_id, RepVersionRow.version > board.version)))
            fresh = self._score(session, tenant_id, day, settings, sorted(changed))
            entries = {rep: e for rep, e in board.entries.items() if rep not in changed} | fresh
        else:
            entries = self._score(session, tenant_id, day, settings, None)
        with self._lock:
            kept = self._boards.get(key)
            if kept is None or kept.version <= version:  # a slower reader never puts an older board back
                self._boards[key] = Board(version, context, entries)
            self._boards.move_to_end(key)
            while len(self._boards) > self.kept:
                self._boards.popitem(last=False)
        return entries

    @staticmethod
    def _score(session: Session, tenant_id: str, day: date, settings: ScoringSettings,
               reps: list[str] | None) -> dict[str, Entry]:
        windows = window_facts(session, tenant_id, day, settings, reps)
        return {rep: Entry(s.total, s.pillars) for rep, s in scores_of(session, tenant_id, day, settings,
                                                                       windows).items()}


BOARDS = Boards()
