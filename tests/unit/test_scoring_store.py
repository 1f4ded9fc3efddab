"""The scoring service's handlers, scorer and leaderboard board on an embedded SQLite database with
the scoring migrations: the board (services/scoring/board.py) always equals scoring every rep from
the facts and after a change scores again only what the change can reach; alerts are dated by their
occurrence, whatever order the days are scored in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from rapportkit.db import SessionFactory, read_session, unit_of_work
from rapportkit.envelope import Event, validate
from services.scoring import events as scoring_events
from services.scoring.board import Boards, Entry
from services.scoring.models import AlertRow
from services.scoring.queries import scores_of, tenant_settings, window_facts
from services.scoring.scorer import rescore
from services.scoring.settings import ScoringSettings
from tests.unit.stores import migrated_sqlite

TENANT, OTHER = "acme-sales", "globex"
DAY = date(2026, 11, 20)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sqlite(tmp_path, "scoring") as factory:
        yield factory


class Spy(Boards):
    """A board that records which reps it scored again (None: all of them)."""

    def __init__(self) -> None:
        super().__init__()
        self.scored: list[list[str] | None] = []

    def _score(self, session: Any, tenant_id: str, day: date, settings: ScoringSettings,  # type: ignore[override]
               reps: list[str] | None) -> dict[str, Entry]:
        self.scored.append(None if reps is None else sorted(reps))
        return Boards._score(session, tenant_id, day, settings, reps)


def ev(type_: str, data: dict[str, Any], time: str = "2026-11-18T10:00:00Z", tenant: str = TENANT) -> Event:
    return validate({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "type": f"rapport.{type_}",
                     "time": time, "tenantid": tenant, "data": data})


def person(slug: str) -> dict[str, str]:
    return {"profile_url": f"https://www.linkedin.com/in/{slug}/"}


def viewed(rep: str, who: str, tenant: str = TENANT) -> Event:
    return ev("insight.profile.viewed", {"rep_id": rep, "person": person(who)}, tenant=tenant)


def apply(db: SessionFactory, *events: Event) -> None:
    """As the consumer does: one transaction for a poll of events."""
    with unit_of_work(db) as session:
        for event in events:
            for handler in scoring_events.HANDLERS[event["type"]]:
                handler(session, event)


def board(db: SessionFactory, boards: Boards, tenant: str = TENANT) -> dict[str, Entry]:
    with read_session(db) as session:
        return boards.scores(session, tenant, DAY, tenant_settings(session, tenant))


def from_scratch(db: SessionFactory, tenant: str = TENANT) -> dict[str, Entry]:
    with read_session(db) as session:
        settings = tenant_settings(session, tenant)
        scores = scores_of(session, tenant, DAY, settings, window_facts(session, tenant, DAY, settings))
        return {rep: Entry(s.total, s.pillars) for rep, s in scores.items()}


def test_the_board_follows_every_change_and_rescoring_only_what_it_reaches(db: SessionFactory) -> None:
    apply(db, *(viewed(rep, f"{rep}-buyer-{n}") for rep in ("ana", "ben", "cy") for n in range(3)),
          ev("network.connection.accepted", {"rep_id": "ben", "person": person("dana")}))
    boards = Spy()
    first = board(db, boards)
    assert first == from_scratch(db) and set(first) == {"ana", "ben", "cy"}
    assert boards.scored == [None]

    assert board(db, boards) is first, "nothing changed: the same board, nothing scored again"
    apply(db, ev("outcome.lead.created", {"lead_id": "l-1", "rep_id": "ana", "account_id": "acc-1",
                                          "source": "linkedin"}))
    assert board(db, boards) is first, "an outcome is no score input"
    assert boards.scored == [None]

    apply(db, *(viewed("ana", f"ana-new-{n}") for n in range(4)))
    after_facts = board(db, boards)
    assert boards.scored == [None, ["ana"]], "only the rep whose facts changed is scored again"
    assert after_facts == from_scratch(db)
    assert after_facts["ana"].total > first["ana"].total and after_facts["ben"] == first["ben"]

    # Dana, connected to Ben, becomes a decision maker of an account: Ben's connect pillar reads it
    apply(db, ev("insight.stakeholder.identified", {"stakeholder_id": "s-dana", "account_id": "acc-1",
                                                    "person": person("dana"), "role": "decision_maker",
                                                    "seniority": "vp"}))
    after_context = board(db, boards)
    assert boards.scored[-1] is None, "a buying-centre change can reach any rep: all are scored again"
    assert after_context == from_scratch(db)
    assert after_context["ben"] != after_facts["ben"]


def test_a_connection_known_by_name_and_by_url_counts_once(db: SessionFactory) -> None:
    """An older export lists a connection by name and company, a later one the same connection with
    its URL: two events, two facts, one person in the connect pillar."""
    by_name = {"name": "Ada Lovelace", "company": "Acme"}
    by_url = {"profile_url": "https://www.linkedin.com/in/ada-lovelace", "name": "Ada Lovelace", "company": "Acme"}

    def growth(rep: str) -> float:
        with read_session(db) as session:
            settings = tenant_settings(session, TENANT)
            score = scores_of(session, TENANT, DAY, settings, window_facts(session, TENANT, DAY, settings))[rep]
        return next(f.raw for f in score.factors if f.name == "network_growth")

    apply(db, ev("network.connection.accepted", {"rep_id": "ed", "person": by_name}),
          ev("network.connection.accepted", {"rep_id": "ed", "person": {"name": "Bo Sample"}}))
    assert growth("ed") == 2
    apply(db, ev("network.connection.accepted", {"rep_id": "ed", "person": by_url}, time="2026-11-18T11:00:00Z"))
    assert growth("ed") == 2  # Ada once, Bo once: not 3

    # Ada, a decision maker known to insight by URL, is a target connection whether the fact has her name or URL
    apply(db, ev("insight.stakeholder.identified", {"stakeholder_id": "s-ada", "account_id": "acc-1",
                                                    "person": by_url, "role": "decision_maker", "seniority": "vp"}),
          ev("network.connection.accepted", {"rep_id": "fay", "person": by_name}))
    with read_session(db) as session:
        settings = tenant_settings(session, TENANT)
        score = scores_of(session, TENANT, DAY, settings, window_facts(session, TENANT, DAY, settings))["fay"]
    assert next(f.raw for f in score.factors if f.name == "target_connections") == 1


def test_boards_are_per_tenant_and_per_day(db: SessionFactory) -> None:
    apply(db, viewed("ana", "x"), viewed("zed", "y", tenant=OTHER))
    boards = Spy()
    assert set(board(db, boards)) == {"ana"}
    assert set(board(db, boards, OTHER)) == {"zed"}
    apply(db, viewed("zed", "z", tenant=OTHER))
    assert board(db, boards) is board(db, boards), "another tenant's change leaves this board alone"
    with read_session(db) as session:
        settings = tenant_settings(session, TENANT)
        assert boards.scores(session, TENANT, date(2027, 3, 1), settings) == {}, "the facts are out of that window"


def test_every_consumed_type_is_classified_once_by_what_it_changes() -> None:
    groups = [set(scoring_events.FACTS_OF_ITS_REP), set(scoring_events.CONTEXT), set(scoring_events.NOT_SCORED)]
    assert sum(len(g) for g in groups) == len(set().union(*groups)), "a type in two groups"
    assert {f"rapport.{t}" for t in set().union(*groups)} == set(scoring_events.HANDLERS)


def test_an_alert_is_dated_by_its_occurrence_whichever_day_is_scored_first(db: SessionFactory) -> None:
    dana = person("dana")
    apply(db, ev("network.connection.accepted", {"rep_id": "ana", "person": dana}, "2026-09-01T09:00:00Z"),
          ev("network.message.sent", {"rep_id": "ana", "conversation_id": "c-1", "person": dana, "channel": "linkedin",
                                      "text": "Buy now", "is_pitch": True}, "2026-09-01T09:10:00Z"))
    with unit_of_work(db) as session:  # a replay may score a later day (its window holds the pitch) first
        rescore(session, TENANT, {"ana": [date(2026, 9, 3)]}, DAY)
        rescore(session, TENANT, {"ana": [date(2026, 9, 1)]}, DAY)
    with read_session(db) as session:
        alerts = list(session.scalars(select(AlertRow).where(AlertRow.tenant_id == TENANT)))
    assert [(a.kind, a.day) for a in alerts] == [("connect_then_pitch", date(2026, 9, 1))]
