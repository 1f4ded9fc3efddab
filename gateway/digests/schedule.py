"""Sending digests: each subscription's digest of each period exactly once, whatever the number of
gateway replicas, retried when it fails, never dropped without a trace.

- **Periods** (UTC): a daily digest covers one day and is due once the day is over; a weekly one an
  ISO week (Monday to Sunday), due on Monday 00:00. A subscription's first digest is of the period
  in which it was made. After a stop, only the latest due period is sent (no backlog of old ones).
- **The claim**: a replica that finds a period due inserts the delivery row, whose primary key is
  (tenant, subscription, period), and sends only if its insert committed; every other replica's
  insert fails on the key and it moves on. `POST /v1/digests/send` claims a period of its own
  (`now-<time>`: the day or week so far), so it never takes a scheduled digest's place.
- **Outcome**: `sent` (with `sent_at`), or `retry` with `attempts`, `last_error` and
  `next_attempt_at` (`BACKOFF`: 30 s, then ×4 up to 8 h), logged as a warning; after `MAX_ATTEMPTS`
  it is `failed`, logged as an error. A retry is claimed again by a conditional update (one replica
  wins). A replica that dies while sending leaves the row `sending`: after `LEASE` another one takes
  it over, so that digest may arrive twice, never zero times.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from gateway.digests import render
from gateway.digests.content import gather
from gateway.digests.smtp import SmtpTarget
from gateway.directory import reps_of_teams
from gateway.models import DigestDelivery, DigestSubscription, Rep, Team
from gateway.settings import GatewaySettings
from gateway.upstream import Upstreams
from rapportkit.db import SessionFactory, read_session, unit_of_work, utc
from rapportkit.identity import Identity

log = logging.getLogger(__name__)

BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=8), timedelta(minutes=32),
           timedelta(hours=2), timedelta(hours=8))
MAX_ATTEMPTS = len(BACKOFF) + 1  # the first try and one per step: about 11 hours in all
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date
    last_day: date

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def label(self) -> str:
        return (self.first_day.isoformat() if self.first_day == self.last_day
                else f"{self.first_day.isoformat()} to {self.last_day.isoformat()}")


def due_period(cadence: str, now: datetime) -> Period:
    """The latest period of `cadence` that is over at `now`."""
    today = now.astimezone(UTC).date()
    if cadence == "daily":
        day = today - timedelta(days=1)
        return Period(day.isoformat(), day, day)
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    return Period(f"{year}-W{week:02d}", monday, monday + timedelta(days=6))


def period_so_far(cadence: str, now: datetime) -> Period:
    """The period of `cadence` running at `now`, as `POST /v1/digests/send` sends it."""
    today = now.astimezone(UTC).date()
    first = today if cadence == "daily" else today - timedelta(days=today.weekday())
    return Period(f"now-{now.astimezone(UTC).isoformat()}", first, today)


@dataclass(frozen=True)
class Subscription:
    """What sending needs of a subscription row (read in one session, used after it closed)."""

    tenant_id: str
    subscription_id: str
    email: str
    cadence: str
    team_id: str | None
    rep_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: DigestSubscription) -> Subscription:
        return cls(row.tenant_id, row.subscription_id, row.email, row.cadence, row.team_id, row.rep_id,
                   utc(row.created_at))


def claim(factory: SessionFactory, sub: Subscription, period: Period, now: datetime) -> bool:
    """Insert the delivery row of (subscription, period): True for the one claimer whose insert commits."""
    try:
        with unit_of_work(factory) as session:
            session.add(DigestDelivery(tenant_id=sub.tenant_id, subscription_id=sub.subscription_id,
                                       period=period.key, first_day=period.first_day, last_day=period.last_day,
                                       status="sending", attempts=0, claimed_at=now))
        return True
    except IntegrityError:
        return False


def reclaim(factory: SessionFactory, key: tuple[str, str, str], now: datetime) -> bool:
    """Take a delivery due for a retry, or left `sending` past its lease: True for the one that wins."""
    tenant_id, subscription_id, period = key
    with unit_of_work(factory) as session:
        result = session.execute(update(DigestDelivery).where(
            DigestDelivery.tenant_id == tenant_id, DigestDelivery.subscription_id == subscription_id,
            DigestDelivery.period == period,
            or_(and_(DigestDelivery.status == "retry", DigestDelivery.next_attempt_at <= now),
                and_(DigestDelivery.status == "sending", DigestDelivery.claimed_at < now - LEASE)),
        ).values(status="sending", claimed_at=now))
        return int(getattr(result, "rowcount", 0) or 0) == 1


def record(factory: SessionFactory, key: tuple[str, str, str], error: str | None, now: datetime) -> dict[str, Any]:
    """Note an attempt's outcome on its delivery row; returns the delivery as the API shows it."""
    with unit_of_work(factory) as session:
        row = session.get(DigestDelivery, key)
        if row is None:  # the subscription was deleted meanwhile
            return {"subscription_id": key[1], "period": key[2], "status": "deleted"}
        row.attempts += 1
        fields = {"subscription_id": row.subscription_id, "period": row.period, "attempts": row.attempts}
        if error is None:
            row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", now, None, None
            log.info("digest sent", extra={"fields": fields})
        elif row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error, row.next_attempt_at = "failed", error, None
            log.error("digest failed for good", extra={"fields": {**fields, "error": error}})
        else:
            row.status, row.last_error = "retry", error
            row.next_attempt_at = now + BACKOFF[row.attempts - 1]
            log.warning("digest not sent, will retry", extra={"fields": {
                **fields, "error": error, "next_attempt_at": row.next_attempt_at.isoformat()}})
        return delivery_read(row)


def delivery_read(row: DigestDelivery) -> dict[str, Any]:
    return {"subscription_id": row.subscription_id, "period": row.period, "first_day": row.first_day,
            "last_day": row.last_day, "status": row.status, "attempts": row.attempts, "last_error": row.last_error,
            "next_attempt_at": utc(row.next_attempt_at),
            "sent_at": utc(row.sent_at)}


def scope_of(factory: SessionFactory, sub: Subscription) -> tuple[Identity, str]:
    """The identity a digest reads with (its scope's) and the scope's name for the e-mail."""
    with read_session(factory) as session:
        if sub.rep_id is not None:
            rep = session.get(Rep, (sub.tenant_id, sub.rep_id))
            return Identity(sub.tenant_id, "rep", rep_id=sub.rep_id), rep.name if rep else sub.rep_id
        if sub.team_id is not None:
            team = session.get(Team, (sub.tenant_id, sub.team_id))
            reps = reps_of_teams(session, tenant_id=sub.tenant_id, team_ids=[sub.team_id])
            return (Identity(sub.tenant_id, "manager", team_ids=(sub.team_id,), rep_ids=tuple(sorted(reps))),
                    f"team {team.name if team else sub.team_id}")
        return Identity(sub.tenant_id, "admin"), f"all of {sub.tenant_id}"


Contents = dict[tuple[Identity, str | None, date, date], dict[str, Any]]


@dataclass
class Sender:
    factory: SessionFactory
    upstreams: Upstreams
    settings: GatewaySettings

    async def attempt(self, sub: Subscription, period: Period, contents: Contents) -> str | None:
        """Build and send one digest; the error, or None when the SMTP server took it. Digests of
        the same scope and days within one pass share their content (`contents`)."""
        try:
            identity, scope = await asyncio.to_thread(scope_of, self.factory, sub)
            key = (identity, sub.team_id, period.first_day, period.last_day)
            if key not in contents:
                contents[key] = await gather(self.upstreams, identity, team_id=sub.team_id,
                                             first_day=period.first_day, last_day=period.last_day)
            content = contents[key]
            context = {**content, "cadence": sub.cadence, "scope": scope, "period_label": period.label,
                       "dashboard_url": self.settings.public_url()}
            mail = render.message(context, sender=self.settings.smtp_from, to=sub.email)
            await SmtpTarget.parse(self.settings.smtp_url).send(mail)
            return None
        except Exception as exc:  # whatever it was, the attempt is recorded and retried
            log.warning("digest attempt failed", exc_info=True,
                        extra={"fields": {"subscription_id": sub.subscription_id, "period": period.key}})
            return f"{type(exc).__name__}: {exc}"[:2000]

    async def deliver(self, sub: Subscription, period: Period, contents: Contents) -> dict[str, Any]:
        error = await self.attempt(sub, period, contents)
        return await asyncio.to_thread(record, self.factory, (sub.tenant_id, sub.subscription_id, period.key),
                                       error, datetime.now(UTC))

    async def send_now(self, tenant_id: str) -> list[dict[str, Any]]:
        """`POST /v1/digests/send`: every digest of the tenant, for its period so far."""
        subs = await asyncio.to_thread(subscriptions, self.factory, tenant_id)
        results: list[dict[str, Any]] = []
        contents: Contents = {}
        for sub in subs:
            now = datetime.now(UTC)
            period = period_so_far(sub.cadence, now)
            if await asyncio.to_thread(claim, self.factory, sub, period, now):
                results.append(await self.deliver(sub, period, contents))
        return results

    async def run_pass(self, now: datetime) -> int:
        """One pass of the scheduler: claim and send what is due, then the retries; digests sent."""
        sent, contents = 0, Contents()
        for sub in await asyncio.to_thread(subscriptions, self.factory, None):
            period = due_period(sub.cadence, now)
            if sub.created_at >= period.ends_at:
                continue  # made after that period: its first digest is of the current one
            if await asyncio.to_thread(claim, self.factory, sub, period, now):
                sent += (await self.deliver(sub, period, contents))["status"] == "sent"
        for sub, period in await asyncio.to_thread(retries_due, self.factory, now):
            if await asyncio.to_thread(reclaim, self.factory, (sub.tenant_id, sub.subscription_id, period.key), now):
                sent += (await self.deliver(sub, period, contents))["status"] == "sent"
        return sent


def subscriptions(factory: SessionFactory, tenant_id: str | None) -> list[Subscription]:
    """The subscriptions of a tenant (None: of every tenant)."""
    with read_session(factory) as session:
        stmt = select(DigestSubscription)
        if tenant_id is not None:
            stmt = stmt.where(DigestSubscription.tenant_id == tenant_id)
        return [Subscription.of(row) for row in session.scalars(stmt.order_by(
            DigestSubscription.tenant_id, DigestSubscription.created_at, DigestSubscription.subscription_id))]


def retries_due(factory: SessionFactory, now: datetime) -> list[tuple[Subscription, Period]]:
    with read_session(factory) as session:
        rows = session.execute(select(DigestDelivery, DigestSubscription).join(DigestSubscription, and_(
            DigestSubscription.tenant_id == DigestDelivery.tenant_id,
            DigestSubscription.subscription_id == DigestDelivery.subscription_id)).where(or_(
                and_(DigestDelivery.status == "retry", DigestDelivery.next_attempt_at <= now),
                and_(DigestDelivery.status == "sending", DigestDelivery.claimed_at < now - LEASE))))
        return [(Subscription.of(sub), Period(d.period, d.first_day, d.last_day)) for d, sub in rows]


def scheduler(settings: GatewaySettings) -> Callable[[SessionFactory, object], Callable[[threading.Event], None]]:
    """The scheduler as one of the gateway's background loops (rapportkit.service.Background): a
    thread with its own event loop and upstream clients, a pass every `RAPPORT_DIGEST_INTERVAL_SECONDS`."""
    def make(factory: SessionFactory, _consumer: object) -> Callable[[threading.Event], None]:
        def run(stop: threading.Event) -> None:
            asyncio.run(_loop(stop, factory, settings))
        return run
    return make


async def _loop(stop: threading.Event, factory: SessionFactory, settings: GatewaySettings) -> None:
    upstreams = Upstreams(settings.upstream_urls(), secret=settings.internal_secret,
                          timeout=settings.upstream_timeout_seconds)
    sender = Sender(factory, upstreams, settings)
    try:
        while not stop.is_set():
            try:
                await sender.run_pass(datetime.now(UTC))
            except Exception:  # a database or programming error: logged, the next pass tries again
                log.exception("digest scheduler pass failed")
            await asyncio.to_thread(stop.wait, settings.digest_interval_seconds)
    finally:
        await upstreams.aclose()
