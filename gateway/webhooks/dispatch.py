"""The dispatcher: Kafka → pending deliveries, in the gateway's consumer group `gateway-webhooks`.

It is rapportkit's consumer loop (polling, rejoining, committing) with its own `process`: for each
poll it stages a delivery row per matching subscription (store.stage) in one transaction, and the
loop commits the poll's offsets only after that transaction has committed. A gateway that dies in
between reads the poll again and stages nothing twice (one row per subscription and event), so no
event is lost and none is delivered twice by the dispatcher itself. The value is stored as it
travelled, sealed; the sender opens it when it sends.

Topics: the streamed ones (the directory and the domain topics, never privacy). Only the messages of
tenants with an active subscription are parsed (a key names its tenant). A message whose key
names another tenant than its event, or that is not an event at all, is passed over (the domain
services dead-letter what is malformed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from prometheus_client import Counter

from gateway.stream_feed import STREAMED_TOPICS, tenant_of
from gateway.webhooks import store
from rapportkit import jsonutil
from rapportkit.consumer import TRANSIENT, ConsumerLoop, Message
from rapportkit.db import SessionFactory, read_session, unit_of_work
from rapportkit.metrics import metrics
from rapportkit.service import MakeLoop
from rapportkit.settings import ServiceSettings

log = logging.getLogger(__name__)
GROUP = "gateway-webhooks"
# the broker gathers up to this long (or 64 KiB) per fetch: under a steady 500 events/s the
# dispatcher read each few messages in a poll of its own, a read of the subscriptions apiece (a
# quarter of the gateway's busy samples; the gateway 31 -> 24 % of a core with it), for deliveries
# that wait for the sender's pass anyway
GATHER_MS = 200
staged_counter = Counter("gateway_webhook_deliveries_staged", "Webhook deliveries staged from published events")


def published(message: Message) -> store.Published | None:
    """The event of a message as the dispatcher needs it, or None when it is not one of a tenant."""
    try:
        event = jsonutil.loads(message.value) if message.value is not None else None
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    tenant, event_id, event_type = event.get("tenantid"), event.get("id"), event.get("type")
    if not (isinstance(tenant, str) and isinstance(event_id, str) and isinstance(event_type, str)) \
            or tenant_of(message.key, event) != tenant:
        return None
    return store.Published(tenant_id=tenant, event_id=event_id, event_type=event_type, value=message.value,
                           published_at=datetime.fromtimestamp(message.timestamp / 1000, UTC))


class Dispatcher(ConsumerLoop):
    """The consumer loop, staging deliveries instead of calling handlers."""

    def process(self, messages: list[Message]) -> None:
        # most polls concern nobody: parse only the messages of tenants that subscribe (a key names
        # its tenant; a message without such a key is parsed to learn it)
        keyed = [(m, tenant_of(m.key, None)) for m in messages]
        unkeyed = [e for e in (published(m) for m, t in keyed if t is None) if e]
        candidates = {t for _, t in keyed if t} | {e.tenant_id for e in unkeyed}
        attempt = 0
        while candidates:  # the offsets are not committed until the rows are: retry while the database is away
            try:
                with read_session(self.session_factory) as session:
                    wanted = store.subscribed(session, sorted(candidates))
                parsed = (published(m) for m, t in keyed if t in wanted)
                events = [e for e in (*parsed, *unkeyed) if e is not None and e.tenant_id in wanted]
                if not events:
                    return
                with unit_of_work(self.session_factory) as session:
                    staged = store.stage(session, events, datetime.now(UTC))
                staged_counter.inc(staged)
                return
            except TRANSIENT as exc:
                attempt += 1
                log.warning("cannot stage webhook deliveries; retrying", extra={"fields": {"error": repr(exc)}})
                time.sleep(min(5.0, self.backoff_seconds * 2 ** min(attempt, 6)))


def dispatcher(settings: ServiceSettings) -> MakeLoop:
    """The dispatcher as one of the gateway's background loops (`rapportkit.service.Background`)."""

    def make(factory: SessionFactory, _consumer: ConsumerLoop | None) -> Callable[[threading.Event], None]:
        # no producer: it dead-letters nothing (the domain services' consumers do)
        loop = Dispatcher(group=GROUP, bootstrap=settings.kafka_bootstrap_servers, topics=list(STREAMED_TOPICS),
                          handlers={}, session_factory=factory, producer=None,
                          metrics=metrics("gateway"), backoff_seconds=settings.consumer_backoff_seconds,
                          max_poll_records=settings.consumer_max_poll_records, gather_ms=GATHER_MS)
        return loop.run

    return make
