"""Exactly once with several gateway replicas (gateway/digests/schedule.py), on PostgreSQL: two
replicas' scheduler passes over the same due digests send each one once; of two claimers of a
(subscription, period), or of a retry, one wins."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import update

from gateway.digests import schedule
from gateway.digests.schedule import Period, Sender, Subscription
from gateway.models import Base, DigestDelivery, DigestSubscription
from gateway.settings import GatewaySettings
from gateway.upstream import Upstreams
from rapportkit.db import SessionFactory, make_engine, make_session_factory, unit_of_work
from tests.integration.helpers import together

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
TABLES = [DigestSubscription.__table__, DigestDelivery.__table__]


@pytest.fixture
def replicas(pg_url: str) -> Iterator[tuple[SessionFactory, SessionFactory]]:
    """Two session factories on two engines: what two gateway processes have."""
    engines = [make_engine(pg_url), make_engine(pg_url)]
    Base.metadata.create_all(engines[0], tables=TABLES)  # type: ignore[arg-type]
    yield make_session_factory(engines[0]), make_session_factory(engines[1])
    Base.metadata.drop_all(engines[0], tables=TABLES)  # type: ignore[arg-type]
    for engine in engines:
        engine.dispose()


def subscribe(factory: SessionFactory, n: int) -> list[Subscription]:
    with unit_of_work(factory) as session:
        rows = [DigestSubscription(tenant_id="t1", subscription_id=f"dg-{i}", email=f"u{i}@example.com",
                                   cadence="daily" if i % 2 else "weekly", team_id=None, rep_id=None,
                                   created_by=None, created_at=NOW - timedelta(days=10)) for i in range(n)]
        session.add_all(rows)
        return [Subscription.of(r) for r in rows]


class CountingSender(Sender):
    """A replica's sender whose attempt only counts (the e-mail itself is tested through the stack)."""

    sent: Counter[str] = Counter()

    async def attempt(self, sub: Subscription, period: Period, contents: schedule.Contents) -> str | None:
        CountingSender.sent[f"{sub.subscription_id}/{period.key}"] += 1
        await asyncio.sleep(0.01)
        return None


def test_two_replicas_send_each_due_digest_once(replicas: tuple[SessionFactory, SessionFactory]) -> None:
    subs = subscribe(replicas[0], 10)
    senders = [CountingSender(f, cast(Upstreams, None), cast(GatewaySettings, None)) for f in replicas]
    CountingSender.sent.clear()
    counts = together(*(lambda s=s: asyncio.run(s.run_pass(NOW)) for s in senders))
    assert sum(counts) == 10 and sorted(CountingSender.sent.values()) == [1] * 10
    assert set(CountingSender.sent) == {f"{s.subscription_id}/{'2026-12-01' if s.cadence == 'daily' else '2026-W48'}"
                                        for s in subs}
    # a later pass in the same period sends nothing again
    assert together(*(lambda s=s: asyncio.run(s.run_pass(NOW + timedelta(hours=1))) for s in senders)) == [0, 0]


def test_one_claimer_wins_a_period_and_a_retry(replicas: tuple[SessionFactory, SessionFactory]) -> None:
    [sub] = subscribe(replicas[0], 1)
    for day in range(20):  # many rounds, so that the two inserts really race
        period = Period(f"p{day}", date(2026, 11, 1), date(2026, 11, 1))
        claims = together(*(lambda f=f, p=period: schedule.claim(f, sub, p, NOW) for f in replicas))
        assert sorted(claims) == [False, True]
    key = (sub.tenant_id, sub.subscription_id, "p0")
    schedule.record(replicas[0], key, "SmtpError: refused", NOW)
    with unit_of_work(replicas[0]) as session:
        row = session.get(DigestDelivery, key)
        assert row is not None and (row.status, row.attempts) == ("retry", 1)
        assert row.next_attempt_at == NOW + schedule.BACKOFF[0]
    later = NOW + timedelta(minutes=1)
    assert sorted(together(*(lambda f=f: schedule.reclaim(f, key, later) for f in replicas))) == [False, True]
    # a delivery left `sending` by a replica that died is taken over once its lease is over
    assert not schedule.reclaim(replicas[0], key, later + timedelta(minutes=1))
    stale = later + schedule.LEASE + timedelta(seconds=1)
    assert sorted(together(*(lambda f=f: schedule.reclaim(f, key, stale) for f in replicas))) == [False, True]
    # after the last attempt the delivery is failed, not retried
    with unit_of_work(replicas[0]) as session:
        session.execute(update(DigestDelivery).values(attempts=schedule.MAX_ATTEMPTS - 1))
    assert schedule.record(replicas[0], key, "SmtpError: refused", stale)["status"] == "failed"
    due = {period.key for _, period in schedule.retries_due(replicas[0], stale + timedelta(days=2))}
    assert "p0" not in due and "p1" in due  # p1..p19 were claimed and never recorded: their lease is over
