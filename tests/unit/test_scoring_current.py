"""The materialised current scores (services/scoring/current.py) on an embedded SQLite database:
what the reads serve is always what scoring from the facts gives, except for a change of context,
which shows once the scorer has built the board again; a new day gets a new board; live dirty days
go before bulk ones."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from rapportkit.consumer import ConsumerLoop
from rapportkit.db import SessionFactory, read_session, unit_of_work
from rapportkit.metrics import metrics
from rapportkit.outbox import OutboxRow
from services.scoring import current
from services.scoring import scorer as scorer_module
from services.scoring.board import Entry
from services.scoring.models import (
    BULK,
    LIVE,
    BoardRow,
    CurrentScoreRow,
    DirtyRow,
    FactRow,
    ScoreRow,
    TenantSettingsRow,
    TenantVersionRow,
)
from services.scoring.queries import rep_scores, scores_of, tenant_settings, window_facts
from services.scoring.scorer import Scorer
from tests.unit.stores import migrated_sqlite
from tests.unit.test_scoring_store import DAY, TENANT, apply, ev, from_scratch, person, viewed


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SessionFactory]:
    with migrated_sqlite(tmp_path, "scoring") as factory:
        yield factory


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


def scorer(db: SessionFactory, clock: Clock) -> Scorer:
    return Scorer(db, clock=clock, build_chunk=2, context_rebuild_seconds=0)


def settle(s: Scorer) -> int:
    """Run the scorer until it has nothing left to do; returns the passes it took."""
    for n in range(1, 200):
        if not s.pass_once():
            return n
    raise AssertionError("the scorer never settled")


def served(db: SessionFactory, day: date = DAY) -> dict[str, Entry] | None:
    """What the leaderboard serves from the materialised board, or None when it has none for `day`."""
    with read_session(db) as session:
        settings = tenant_settings(session, TENANT)
        board = current.board_of(session, TENANT, day, settings)
        return None if board is None else current.board_entries(session, TENANT, board, settings)


def rep_read(db: SessionFactory, rep: str) -> tuple[bool, float]:
    """(served from the materialised row, total) of the rep's score of DAY, as the read does it."""
    with read_session(db) as session:
        found = current.rep_score(session, TENANT, rep, DAY)
        computed = rep_scores(session, TENANT, [rep], DAY)[rep]
        kept = found[0] if found is not None else None
        if kept is not None:
            assert kept.factors == computed.factors and kept.pillars == computed.pillars
        return kept is not None, computed.total


def test_the_scorer_keeps_every_reps_score_and_reads_stay_exact(db: SessionFactory) -> None:
    apply(db, *(viewed(rep, f"{rep}-buyer-{n}") for rep in ("ana", "ben", "cy") for n in range(3)),
          ev("network.connection.accepted", {"rep_id": "ben", "person": person("dana")}))
    s = scorer(db, Clock(DAY))
    assert served(db) is None, "no board before the scorer has built one"
    settle(s)
    assert served(db) == from_scratch(db) and set(from_scratch(db)) == {"ana", "ben", "cy"}
    assert rep_read(db, "ana")[0], "the rep's row is current: served as kept, factors and all"

    apply(db, *(viewed("ana", f"ana-new-{n}") for n in range(4)))
    assert rep_read(db, "ana")[0] is False, "new facts the scorer has not reached: the read computes"
    assert rep_read(db, "ben")[0], "other reps' rows still hold"
    assert served(db) == from_scratch(db), "the board scores the reps behind at read time"
    settle(s)
    assert rep_read(db, "ana")[0] and served(db) == from_scratch(db)

    with unit_of_work(db) as session:
        session.merge(TenantSettingsRow(tenant_id=TENANT, settings={"window_days": 7}))
    assert rep_read(db, "ana")[0] is False, "a row scored under other settings is not served"
    settle(s)
    assert rep_read(db, "ana")[0], "the board built again under the new settings is"


def test_a_change_of_context_shows_once_the_board_is_built_again(db: SessionFactory) -> None:
    apply(db, *(viewed(rep, f"{rep}-x") for rep in ("ana", "ben")),
          ev("network.connection.accepted", {"rep_id": "ben", "person": person("dana")}))
    s = scorer(db, Clock(DAY))
    settle(s)
    before = served(db)
    apply(db, ev("insight.stakeholder.identified", {"stakeholder_id": "s-dana", "account_id": "acc-1",
                                                    "person": person("dana"), "role": "decision_maker",
                                                    "seniority": "vp"}))
    assert served(db) == before != from_scratch(db), "until the build, the board is the one before the change"
    assert rep_read(db, "ben")[0] is False, "a rep's read never serves a row of an older context"
    settle(s)
    assert served(db) == from_scratch(db) and rep_read(db, "ben")[0]


def test_an_alias_learnt_later_is_a_change_of_context(db: SessionFactory) -> None:
    """Ben's connection with Dana is known by name; Dana is a decision maker known by URL. When Cy's
    profile view teaches that the name is that URL (a fact of Cy's only), Ben's kept row (which
    counted a stranger) is no longer served, and the board is built again."""
    url = "https://www.linkedin.com/in/dana-example"
    apply(db, ev("insight.stakeholder.identified", {"stakeholder_id": "s-dana", "account_id": "acc-1",
                                                    "person": {"profile_url": url}, "role": "decision_maker",
                                                    "seniority": "vp"}),
          ev("network.connection.accepted", {"rep_id": "ben", "person": {"name": "Dana Example", "company": "Acme"}}))
    s = scorer(db, Clock(DAY))
    settle(s)

    def targets(rep: str) -> float:
        with read_session(db) as session:
            score = rep_scores(session, TENANT, [rep], DAY)[rep]
        return next(f.raw for f in score.factors if f.name == "target_connections")

    assert rep_read(db, "ben")[0] and targets("ben") == 0
    apply(db, ev("insight.profile.viewed", {"rep_id": "cy", "person": {"profile_url": url, "name": "Dana Example",
                                                                       "company": "Acme"}}))
    assert rep_read(db, "ben")[0] is False, "the alias changed whom Ben's fact counts"
    assert targets("ben") == 1
    settle(s)
    assert served(db) == from_scratch(db) and rep_read(db, "ben")[0]


def test_a_new_day_gets_a_new_board(db: SessionFactory) -> None:
    apply(db, viewed("ana", "x"), viewed("ben", "y"))
    clock = Clock(DAY)
    s = scorer(db, clock)
    settle(s)
    clock.day = DAY + timedelta(days=1)
    assert served(db, clock.day) is None, "the new day's board is not built yet (reads compute)"
    settle(s)
    assert served(db, clock.day) == from_scratch_of(db, clock.day) and served(db, DAY) is None
    clock.day = DAY + timedelta(days=60)
    settle(s)
    assert served(db, clock.day) == {}, "the facts have left the window: nobody on the board"
    with read_session(db) as session:
        assert session.scalars(select(CurrentScoreRow)).all() == []


def from_scratch_of(db: SessionFactory, day: date) -> dict[str, Entry]:
    with read_session(db) as session:
        settings = tenant_settings(session, TENANT)
        scores = scores_of(session, TENANT, day, settings, window_facts(session, TENANT, day, settings))
        return {rep: Entry(s.total, s.pillars) for rep, s in scores.items()}


def test_live_dirty_days_go_before_bulk_ones(db: SessionFactory) -> None:
    apply(db, viewed("ana", "x"))
    s = Scorer(db, clock=Clock(DAY), batch=1)
    settle(s)
    with unit_of_work(db) as session:
        session.add_all([DirtyRow(tenant_id=TENANT, rep_id="bulk-rep", day=DAY - timedelta(days=n), lane=BULK)
                         for n in range(5)] + [DirtyRow(tenant_id=TENANT, rep_id="live-rep", day=DAY, lane=LIVE)])
    s.pass_once()
    with read_session(db) as session:
        left = [(r.rep_id, r.lane) for r in session.scalars(select(DirtyRow))]
    assert left == [("bulk-rep", BULK)] * 5, "the live day went first, ahead of older bulk days"


def test_dirty_days_are_scored_oldest_first_and_a_new_change_keeps_its_day_in_place(db: SessionFactory) -> None:
    """A rep whose day was marked first is scored first, however many reps change after it and
    however often they change again (a busy rep cannot push a quiet one out of every batch)."""
    s = Scorer(db, clock=Clock(DAY), batch=2)
    for rep in ("first", "second", "third", "fourth"):
        apply(db, viewed(rep, "x"))
    apply(db, viewed("first", "y"), viewed("second", "y"))  # changed again: they keep their places

    def waiting() -> list[str]:
        with read_session(db) as session:
            return sorted(r.rep_id for r in session.scalars(select(DirtyRow)))

    s.pass_once()
    assert waiting() == ["fourth", "third"], "the days marked first went first"
    apply(db, viewed("fifth", "x"))
    s.pass_once()
    assert waiting() == ["fifth"], "the older days went before the one marked after them"


def test_a_batch_of_dirty_days_publishes_what_scoring_each_day_alone_gives(db: SessionFactory) -> None:
    days = [DAY - timedelta(days=n) for n in (0, 3, 9)]
    apply(db, *(ev("insight.profile.viewed", {"rep_id": rep, "person": person(f"{rep}-{n}")},
                   time=f"{day.isoformat()}T10:00:00Z")
                for rep in ("ana", "ben", "cy") for n, day in enumerate(days) for _ in range(n + 1)),
          ev("network.connection.accepted", {"rep_id": "ben", "person": person("dana")}),
          ev("insight.stakeholder.identified", {"stakeholder_id": "s-dana", "account_id": "acc-1",
                                                "person": person("dana"), "role": "champion", "seniority": "vp"}))
    settle(Scorer(db, clock=Clock(DAY), batch=50))
    with read_session(db) as session:
        published = {(r.rep_id, r.day): r.total for r in session.scalars(select(ScoreRow))}
        alone = {(rep, day): rep_scores(session, TENANT, [rep], day)[rep].total
                 for rep in ("ana", "ben", "cy") for day in days}
        staged = session.scalars(select(OutboxRow.event_type)).all()
    assert {k: v for k, v in published.items() if k in alone} == alone and all(v > 0 for v in alone.values())
    assert staged.count("rapport.scoring.score.updated") >= len(alone)


def test_handlers_of_one_transaction_see_the_facts_added_before_them(db: SessionFactory) -> None:
    """Facts are written together at the end of a consumer's transaction; the handlers that read or
    change facts see the ones added earlier in the same transaction all the same."""
    buyer = person("buyer")
    apply(db, ev("content.item.shared", {"content_id": "c-1", "rep_id": "ana", "channel": "linkedin"}),
          ev("content.item.published", {"content_id": "c-1", "kind": "post", "title": "T", "topics": [],
                                        "owner": "company"}),
          *(ev("content.engagement.recorded", {"content_id": "c-1", "rep_id": "ana", "person": buyer, "kind": "view"})
            for _ in range(2)),
          viewed("ben", "gone"),
          ev("privacy.erasure.requested", {"request_id": "r-1", "person": person("gone")}))
    with read_session(db) as session:
        facts = [(f.rep_id, f.kind, f.flag, f.person) for f in session.scalars(select(FactRow).order_by(FactRow.id))]
    assert [f[:3] for f in facts] == [("ana", "content_shared", True), ("ana", "engagement_received", False),
                                      ("ben", "profile_view", False)], "advocacy flagged, the second view not counted"
    assert facts[2][3] == "erased:r-1", "the erasure reached a fact of its own transaction"


def test_the_scorer_wakes_when_the_consumer_of_its_process_applies_a_poll(db: SessionFactory) -> None:
    """A rep's score shows as soon as the consumer has applied the event, not at the scorer's next
    look at the database (its interval here is a minute)."""
    loop = ConsumerLoop(group="scoring", bootstrap="unused:9092", topics=[], handlers={}, session_factory=db,
                        producer=None,
                        metrics=metrics("scorer-wake-test"))
    s = Scorer(db, clock=Clock(DAY), interval=60, consumer=loop)
    stop = threading.Event()
    thread = threading.Thread(target=s.run, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(0.3)  # the scorer found nothing to do and waits
        apply(db, viewed("woken", "x"))
        started = time.monotonic()
        loop.applied.set()  # what the consumer does after each applied poll
        while not rep_read(db, "woken")[0] and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert time.monotonic() - started < 2, "the score showed without waiting for the scorer's interval"
    finally:
        stop.set()
        loop.applied.set()
        thread.join(timeout=5)


def test_a_deleted_tenant_is_not_scored_again(db: SessionFactory) -> None:
    """A tenant deleted while its board is being built (and with facts of the same poll not yet
    written) keeps no row: the build under way is dropped, nothing is scored again."""
    apply(db, *(viewed(rep, f"{rep}-x") for rep in ("ana", "ben", "cy")), viewed("ana", "ana-y", tenant="other"))
    s = scorer(db, Clock(DAY))
    s.rescore_dirty()
    assert s.build_step() == 2 and s.builds, "a build of TENANT under way (2 of its 3 reps)"
    apply(db, viewed("ben", "ben-late"), ev("privacy.tenant_deletion.requested",
                                           {"request_id": "td-1", "tenant_id": TENANT}))
    settle(s)
    with read_session(db) as session:
        for model in (FactRow, DirtyRow, ScoreRow, CurrentScoreRow, BoardRow, TenantVersionRow):
            assert session.scalars(select(model).where(model.tenant_id == TENANT)).all() == [], model.__tablename__
        assert session.scalars(select(FactRow).where(FactRow.tenant_id == "other")).all(), "another tenant stays"


def test_the_boards_due_are_found_in_as_many_statements_whatever_the_tenant_count(db: SessionFactory) -> None:
    """The scorer asks which boards are due several times a second, idle or not: one read per table,
    not one per tenant (a deployment has hundreds). A changed setting still makes its board due."""
    def due_and_statements(tenants: int) -> tuple[list[tuple[str, str]], int]:
        with unit_of_work(db) as session:
            for i in range(tenants):
                tenant = f"t{tenants}-{i}"
                session.add(TenantVersionRow(tenant_id=tenant, version=1, context_version=1))
                digest = current.settings_digest(tenant_settings(session, tenant))
                session.add(BoardRow(tenant_id=tenant, day=DAY, version=1, context_version=1,
                                     built_at=datetime.now(UTC), settings_digest=digest))
                if i % 2:
                    session.add(TenantSettingsRow(tenant_id=tenant, settings={"window_days": 30}))  # the default
            session.add(TenantSettingsRow(tenant_id=f"t{tenants}-0", settings={"window_days": 7}))
        seen: list[str] = []
        engine = db.kw["bind"]

        def count(conn: object, cursor: object, statement: str, *args: object) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with read_session(db) as session:
                due = [d for d in current.needs_build(session, DAY, 0) if d[0].startswith(f"t{tenants}-")]
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return due, len(seen)

    few, few_statements = due_and_statements(3)
    many, many_statements = due_and_statements(30)
    assert few == [("t3-0", "settings changed")] and many == [("t30-0", "settings changed")]
    assert many_statements == few_statements


def dirty_days(db: SessionFactory) -> list[tuple[str, int, float | None]]:
    with read_session(db) as session:
        rows = session.scalars(select(DirtyRow).order_by(DirtyRow.rep_id))
        return [(r.rep_id, r.version, r.claimed_until) for r in rows]


def test_a_day_marked_again_during_a_pass_is_scored_again_by_the_next_one(db: SessionFactory) -> None:
    """The scorer claims days instead of locking them for its pass, so the consumer can mark a day
    again while it is being scored; that change, committed after the pass read the facts, must not
    be forgotten with the day."""
    clock = Clock(DAY)
    apply(db, viewed("ana", "x"))
    with unit_of_work(db) as session:
        claimed = scorer_module.claim(session, 10, live_only=False)
    assert [(r, v) for _, r, _, v, _ in claimed] == [("ana", 0)]
    apply(db, viewed("ana", "y"))  # the consumer marks the day again while the pass has it
    with unit_of_work(db) as session:
        scorer_module.rescore(session, TENANT, {"ana": [DAY]}, DAY)
        scorer_module.finish(session, claimed)
    assert dirty_days(db) == [("ana", 1, None)], "marked again: kept, unclaimed, for the next pass"
    s = scorer(db, clock)
    settle(s)
    assert dirty_days(db) == []
    assert rep_read(db, "ana")[1] == from_scratch_of(db, DAY)["ana"].total


def test_a_claimed_day_is_left_to_its_scorer_until_the_claim_lapses(db: SessionFactory,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    apply(db, viewed("ana", "x"), viewed("bob", "x"))
    with unit_of_work(db) as session:
        first = scorer_module.claim(session, 1, live_only=False)
    with unit_of_work(db) as session:
        second = scorer_module.claim(session, 10, live_only=False)
    assert {c[1] for c in first} | {c[1] for c in second} == {"ana", "bob"}
    assert len(first) == len(second) == 1, "another scorer takes the other day, not the claimed one"
    with unit_of_work(db) as session:
        assert scorer_module.claim(session, 10, live_only=False) == []  # both claimed
    later = time.time() + scorer_module.CLAIM_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)  # their scorers died: the claims lapsed
    with unit_of_work(db) as session:
        assert len(scorer_module.claim(session, 10, live_only=False)) == 2


def test_a_failed_pass_frees_its_claims(db: SessionFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    apply(db, viewed("ana", "x"))

    def broken(*_: object) -> None:
        raise RuntimeError("scoring failed")

    monkeypatch.setattr(scorer_module, "rescore", broken)
    with pytest.raises(RuntimeError):
        Scorer(db, clock=Clock(DAY)).pass_once()
    assert dirty_days(db) == [("ana", 0, None)], "still dirty and free for the next pass"
    monkeypatch.undo()
    settle(scorer(db, Clock(DAY)))
    assert dirty_days(db) == []


def test_a_scorer_whose_claim_lapsed_leaves_the_day_to_the_scorer_that_claimed_it_since(
        db: SessionFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass slower than CLAIM_SECONDS: another scorer claims the day meanwhile. The slow one's end
    neither forgets the day nor frees it: it is the other scorer's to finish."""
    apply(db, viewed("ana", "x"))
    with unit_of_work(db) as session:
        slow = scorer_module.claim(session, 10, live_only=False)
    later = time.time() + scorer_module.CLAIM_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    with unit_of_work(db) as session:
        other = scorer_module.claim(session, 10, live_only=False)
    assert [c[1] for c in other] == ["ana"]
    with unit_of_work(db) as session:
        scorer_module.finish(session, slow)
    assert dirty_days(db) == [("ana", 0, other[0][4])], "still dirty, still the other scorer's claim"
    with unit_of_work(db) as session:
        scorer_module.finish(session, other)
    assert dirty_days(db) == []
