"""The scorer and the consumer of scoring on PostgreSQL: a scorer pass claims its dirty days in a
short transaction of its own, so the consumer marking one of those days again (applying a poll)
does not wait for the pass; the change is scored by the next pass."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from rapportkit.db import SessionFactory, make_engine, make_session_factory, read_session, unit_of_work
from rapportkit.envelope import Event, validate
from rapportkit.migrate import upgrade
from rapportkit.outbox import OutboxRow
from services.scoring import current, queries
from services.scoring import events as scoring_events
from services.scoring import scorer as scorer_module
from services.scoring.models import CurrentScoreRow, DirtyRow, FactRow, ScoreRow, TenantVersionRow
from services.scoring.queries import scores_of, tenant_settings, window_facts
from services.scoring.scorer import Scorer
from stack import infra
from tests.conftest import DB_PREFIX

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "scoring" / "migrations"
TENANT = "t-claims"


@pytest.fixture
def factory(postgres: None) -> Iterator[SessionFactory]:
    name = f"{DB_PREFIX}_claims_{uuid.uuid4().hex[:8]}"
    url = infra.fresh_database(name)
    upgrade(script_location=MIGRATIONS, url=url, service="scoring")
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()
    infra.drop_database(name)


def viewed(rep: str, who: str) -> Event:
    return validate({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests",
                     "type": "rapport.insight.profile.viewed", "time": datetime.now(UTC).isoformat(),
                     "tenantid": TENANT, "data": {"rep_id": rep, "person": {"profile_url": f"https://x.test/in/{who}"}}})


def apply(factory: SessionFactory, *events: Event, lock_timeout_ms: int | None = None) -> None:
    """As the consumer does: one transaction for a poll; with a lock timeout, failing instead of
    waiting longer than that for a row lock."""
    with unit_of_work(factory) as session:
        if lock_timeout_ms is not None:
            session.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout_ms}ms'"))
        for event in events:
            for handler in scoring_events.HANDLERS[event["type"]]:
                handler(session, event)


def test_marking_a_day_again_does_not_wait_for_the_pass_scoring_it(factory: SessionFactory,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    today = datetime.now(UTC).date()
    apply(factory, viewed("ana", "p1"))
    in_pass, finish_pass = threading.Event(), threading.Event()
    real_context = queries.context_source

    def held(*args: object) -> object:
        found = real_context(*args)  # type: ignore[arg-type]
        in_pass.set()
        finish_pass.wait(30)  # the pass is scoring, its transaction open, until the test lets it go
        return found

    monkeypatch.setattr(scorer_module, "context_source", held)
    errors: list[BaseException] = []

    def run_pass() -> None:
        try:
            Scorer(factory, clock=lambda: today).rescore_dirty()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    scorer = threading.Thread(target=run_pass)
    scorer.start()
    try:
        assert in_pass.wait(30), "the pass did not start"
        started = time.perf_counter()
        apply(factory, viewed("ana", "p2"), lock_timeout_ms=2000)  # waited for the whole pass before
        assert time.perf_counter() - started < 2
    finally:
        finish_pass.set()
        scorer.join(30)
    assert not errors
    with read_session(factory) as session:
        assert [(r.rep_id, r.claimed_until) for r in session.scalars(select(DirtyRow))] == [("ana", None)]
        assert len(session.scalars(select(FactRow)).all()) == 2
    monkeypatch.undo()
    assert Scorer(factory, clock=lambda: today).rescore_dirty() == 1  # the next pass takes the change
    with read_session(factory) as session:
        assert session.scalars(select(DirtyRow)).all() == []


def test_a_consumer_and_two_scorers_side_by_side_never_deadlock_and_leave_nothing_unscored(
        factory: SessionFactory) -> None:
    """Polls marking random reps' days again and again while two scorers (two replicas) claim, score
    and finish small batches of them: the consumer marks and the scorers finish in key order, so no
    transaction waits for another in a cycle (PostgreSQL would end one with DeadlockDetected)."""
    today = datetime.now(UTC).date()
    reps = [f"rep-{n:02d}" for n in range(40)]
    stop = threading.Event()
    errors: list[BaseException] = []
    polls = [0]

    def consumer() -> None:
        rng = random.Random(7)
        while not stop.is_set():
            apply(factory, *(viewed(rng.choice(reps), f"p{rng.randrange(1000)}") for _ in range(25)))
            polls[0] += 1

    def scorer() -> None:
        s = Scorer(factory, clock=lambda: today, batch=7)
        while not stop.is_set():
            s.rescore_dirty()

    def guarded(loop: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                loop()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
                stop.set()
        return run

    threads = [threading.Thread(target=guarded(loop)) for loop in (consumer, scorer, scorer)]
    for t in threads:
        t.start()
    time.sleep(4)
    stop.set()
    for t in threads:
        t.join(30)
    assert not errors, errors[0]
    assert polls[0] > 10
    s = Scorer(factory, clock=lambda: today)
    while s.rescore_dirty():
        pass
    with read_session(factory) as session:
        assert session.scalars(select(DirtyRow)).all() == []
        kept = {r.rep_id: r.total for r in session.scalars(select(CurrentScoreRow))}
        settings = tenant_settings(session, TENANT)
        fresh = scores_of(session, TENANT, today, settings, window_facts(session, TENANT, today, settings))
    assert kept == {rep: score.total for rep, score in fresh.items()}, "every change made it into the kept scores"


def deletion() -> Event:
    return validate({"specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests",
                     "type": "rapport.privacy.tenant_deletion.requested", "time": datetime.now(UTC).isoformat(),
                     "tenantid": TENANT, "data": {"request_id": "td-1", "tenant_id": TENANT}})


@pytest.mark.parametrize("when", ["before the pass writes", "while the pass writes"])
def test_a_tenant_deleted_during_a_pass_keeps_no_row(factory: SessionFactory, monkeypatch: pytest.MonkeyPatch,
                                                     when: str) -> None:
    """The pass no longer locks its days while it scores them, so a deletion can come at any point:
    committed before the pass writes, the pass writes nothing; while it writes (the tenant's version
    row held FOR SHARE), the deletion waits for it and deletes what it wrote."""
    today = datetime.now(UTC).date()
    apply(factory, viewed("ana", "p1"), viewed("bob", "p2"))
    deleted = threading.Event()
    errors: list[BaseException] = []

    def delete_tenant() -> None:
        try:
            apply(factory, deletion())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        deleted.set()

    if when == "before the pass writes":
        real = queries.context_source

        def reads_then_deletion(*args: object) -> object:
            found = real(*args)  # type: ignore[arg-type]
            delete_tenant()  # in this thread: the pass holds nothing the deletion waits for
            return found

        monkeypatch.setattr(scorer_module, "context_source", reads_then_deletion)
    else:
        real_keep = current.keep

        def keep_then_deletion(*args: object, **kwargs: object) -> None:
            real_keep(*args, **kwargs)  # type: ignore[arg-type]
            threading.Thread(target=delete_tenant).start()  # waits for the pass's commit
            assert not deleted.wait(1), "the deletion did not wait for the pass's writes"

        monkeypatch.setattr(current, "keep", keep_then_deletion)
    Scorer(factory, clock=lambda: today).rescore_dirty()
    assert deleted.wait(30) and not errors, errors
    with read_session(factory) as session:
        for model in (FactRow, DirtyRow, ScoreRow, CurrentScoreRow, TenantVersionRow):
            assert session.scalars(select(model).where(model.tenant_id == TENANT)).all() == [], model.__tablename__
        staged = session.scalars(select(OutboxRow.event_type).where(OutboxRow.tenant_id == TENANT)).all()
        assert staged == ["rapport.privacy.tenant_deletion.completed"], "no score or alert of the tenant"
