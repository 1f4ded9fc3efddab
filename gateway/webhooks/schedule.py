"""The retry schedule and what one attempt's outcome does to a delivery and its subscription (pure:
the sender applies it to the rows it loaded, tests to rows they made).

- A 2xx answer delivers. Anything else (another status, a timeout, a refused connection, an address
  the SSRF check refuses) is retried after `delay(n)`: 5 s after the first attempt, then ×3 each
  time (15 s, 45 s, 2¼ min, …) up to 6 h between attempts, for `RETRY_FOR` (24 h): when an attempt
  made 24 h or more after the first fails too, the delivery is `failed` (13 attempts over 28½ h).
- The subscription notes when its endpoint started failing (`failing_since`, cleared by any 2xx).
  When a delivery fails for good and the endpoint has not answered a 2xx since it started failing
  `RETRY_FOR` ago, the subscription is `disabled` (`disabled_at`, `disabled_reason`): no more events
  are recorded for it and its pending deliveries wait, until an admin enables it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.models import Webhook, WebhookDelivery
from rapportkit.db import utc

FIRST_RETRY = timedelta(seconds=5)
FACTOR = 3
MAX_DELAY = timedelta(hours=6)
RETRY_FOR = timedelta(hours=24)
KEPT_ATTEMPTS = 50  # the delivery log keeps the last attempts of a delivery re-sent many times

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
ACTIVE, DISABLED = "active", "disabled"


@dataclass(frozen=True)
class Outcome:
    """One attempt: the answer's status code (None when there was none), its latency and the error."""

    status_code: int | None
    latency_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1-based)."""
    growth: int = FACTOR ** max(0, attempts - 1)
    return min(MAX_DELAY, FIRST_RETRY * growth)


def record(delivery: WebhookDelivery, webhook: Webhook | None, outcome: Outcome, now: datetime) -> None:
    """Apply one attempt's outcome to the delivery (log, state, next attempt) and its subscription."""
    delivery.attempts = [*delivery.attempts, {
        "at": now.isoformat(), "status_code": outcome.status_code, "latency_ms": outcome.latency_ms,
        "error": outcome.error}][-KEPT_ATTEMPTS:]
    first = utc(delivery.first_attempt_at) or now
    delivery.first_attempt_at = first
    if outcome.ok:
        delivery.status, delivery.next_attempt_at, delivery.finished_at = DELIVERED, None, now
        if webhook is not None:
            webhook.failing_since = None
        return
    if webhook is not None and webhook.failing_since is None:
        webhook.failing_since = now
    if now - first < RETRY_FOR:
        failed = sum(1 for a in delivery.attempts if datetime.fromisoformat(str(a["at"])) >= first)
        delivery.status, delivery.next_attempt_at = PENDING, now + delay(failed)
        return
    delivery.status, delivery.next_attempt_at, delivery.finished_at = FAILED, None, now
    failing_since = utc(webhook.failing_since) if webhook is not None else None
    if webhook is not None and webhook.status == ACTIVE and failing_since is not None \
            and now - failing_since >= RETRY_FOR:
        webhook.status, webhook.disabled_at = DISABLED, now
        webhook.disabled_reason = (f"no 2xx answer since {failing_since.isoformat()}: a delivery failed after "
                                   f"{len(delivery.attempts)} attempts over {RETRY_FOR.total_seconds() / 3600:.0f} h")


def resend(delivery: WebhookDelivery, now: datetime) -> None:
    """A delivery sent again at once, with a new retry window (its attempts stay in the log)."""
    delivery.status, delivery.next_attempt_at = PENDING, now
    delivery.first_attempt_at = delivery.finished_at = None


def enable(webhook: Webhook) -> None:
    webhook.status, webhook.disabled_at, webhook.disabled_reason, webhook.failing_since = ACTIVE, None, None, None
