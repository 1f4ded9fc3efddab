"""The consumer loop: decode, open, dedupe, dispatch, commit; DLQ for what cannot be processed.

Events are opened (rapportkit.sealing) before they are validated: a sealed field whose key was
forgotten opens to the erased form, which is applied like any event (never dead-lettered for that).

Per poll, the messages are applied in one database transaction with their inbox rows (claimed
in one statement). If a handler fails, that transaction is rolled back and the poll replayed one
message per transaction, so only the failing message goes to `<topic>.dlq` (reason in headers).
Offsets are committed to Kafka only after every message of the poll is applied or dead-lettered,
asynchronously (the loop polls on meanwhile; a stopping loop commits once more and waits).
A transient failure (the database unreachable, a lock timeout) rolls the batch back and replays
it one message at a time with exponential backoff; a message still failing after `max_retries`
goes to the DLQ too, and the loop carries on. With the broker down, a failed poll is retried every
second and a failed offset commit is logged and passed over: the inbox makes the redelivery it may
cause harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from rapportkit import inbox, jsonutil, keyring, outbox
from rapportkit.catalog import dlq_topic
from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.envelope import Event, EventInvalid, validate
from rapportkit.kafka import make_consumer
from rapportkit.logs import event_id_var, tenant_var
from rapportkit.metrics import Metrics
from rapportkit.relay import LANE_HEADER
from rapportkit.sealing import SealBroken, open_each

log = logging.getLogger(__name__)
# Seconds without partitions before the consumer joins its group again, one entry per try: the
# first soon (a first join takes the broker's initial rebalance delay, 3 s by Kafka's default and 0
# on the local broker, so an empty assignment after 6 s is the missing-metadata case, which cost
# most stack starts 15 s), the next ones slower (a replica beyond the partition count stays idle
# after these few tries).
REJOIN_AFTER = (6.0, 15.0, 15.0)
FINAL_COMMIT_MS = 5000  # the synchronous commit of a stopping loop waits at most this long
# A running loop commits its applied polls once this many messages or this many seconds have gathered
# since the first of them, not after every poll (see `Commits`)
COMMIT_EVERY_MESSAGES = 100
COMMIT_EVERY_SECONDS = 0.5

Handler = Callable[[Session, Event], None]
LANE_INFO = "rapport.lane"  # Session.info key: the lane of the event being handled
HandlerMap = Mapping[str, Sequence[Handler]]


def _commit_failed(_offsets: object, response: object) -> None:
    """The callback of an offset commit: a failure (the broker away, the group rebalanced) is logged
    and passed over. The polls are applied and their inbox rows committed, so a redelivery is skipped,
    and the next commit covers these offsets."""
    if isinstance(response, Exception):
        log.warning("offset commit failed; carrying on", extra={"fields": {"error": repr(response)}})


def handlers(by_type: Mapping[str, Handler]) -> dict[str, list[Handler]]:
    """A service's registry from `{"insight.account.upserted": handler, …}` (types without `rapport.`)."""
    return {f"rapport.{name}": [handler] for name, handler in by_type.items()}


class TransientError(Exception):
    """Raised by a handler for a failure worth retrying (a dependency briefly unavailable)."""


TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError, sa_exc.OperationalError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
    ConnectionError, TimeoutError,
)

Message = Any  # kafka.consumer.fetcher.ConsumerRecord


def message_lane(message: Message) -> str:
    """The lane a message travelled in (the relay's `rapport-lane` header; live without one)."""
    for key, value in message.headers or ():
        if key == LANE_HEADER and value == outbox.BULK.encode():
            return outbox.BULK
    return outbox.LIVE


def handled_lane(session: Session) -> str:
    """For a handler: the lane of the event it is handling (a handler may put bulk work behind live)."""
    return str(session.info.get(LANE_INFO, outbox.LIVE))


class Commits:
    """When a running loop commits the offsets of the polls it applied: once COMMIT_EVERY_MESSAGES
    messages or COMMIT_EVERY_SECONDS seconds have gathered since the first uncommitted one (checked
    after every poll, empty ones too), asynchronously. A commit per poll cost the broker a group
    coordinator write for each of every group's polls: under make bench's freshness load (small polls,
    several groups) 7 % of a core of the broker's ~38 %. Delivery stays at-least-once with
    effectively-once read models: a worker killed before a commit has its last polls delivered again,
    and the inbox skips them. The message bound keeps the lag the bulk pace reads from the committed
    offsets (rapportkit.pace) close to the true one; a stopping loop commits synchronously."""

    def __init__(self, commit: Callable[[], object], clock: Callable[[], float] = time.monotonic):
        self._commit, self._clock = commit, clock
        self.uncommitted = 0
        self._since = 0.0

    def applied(self, messages: int) -> None:
        """A poll of `messages` is applied (its inbox rows committed)."""
        if not self.uncommitted:
            self._since = self._clock()
        self.uncommitted += messages
        self.due()

    def due(self) -> None:
        """Commit if enough has gathered or waited long enough."""
        if self.uncommitted and (self.uncommitted >= COMMIT_EVERY_MESSAGES
                                 or self._clock() - self._since >= COMMIT_EVERY_SECONDS):
            self.uncommitted = 0
            try:
                self._commit()
            except KafkaError as exc:
                _commit_failed({}, exc)


class ConsumerLoop:
    def __init__(self, *, group: str, bootstrap: str, topics: list[str], handlers: HandlerMap,
                 session_factory: SessionFactory, producer: KafkaProducer, metrics: Metrics,
                 max_retries: int = 5, backoff_seconds: float = 0.2, max_poll_records: int = 500,
                 gather_ms: int = 0):
        self.group = group
        self.bootstrap = bootstrap
        self.topics = topics
        self.handlers = handlers
        self.session_factory = session_factory
        self.producer = producer
        self.metrics = metrics
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_poll_records = max_poll_records
        self.gather_ms = gather_ms  # rapportkit.kafka.make_consumer: 0 for the latency-bound loops
        self.assigned = threading.Event()
        # clear while a poll is being applied: other loops of the process that can wait (the scorer)
        # let the consumer have the interpreter first (they share one GIL)
        self.idle = threading.Event()
        self.idle.set()
        # set after each applied poll commits: a loop waiting for work the consumer makes (the
        # scorer) wakes at once instead of polling the database
        self.applied = threading.Event()

    def run(self, stop: threading.Event) -> None:
        consumer = make_consumer(self.bootstrap, group_id=self.group, topics=self.topics,
                                 client_id=f"{self.group}-consumer", max_poll_records=self.max_poll_records,
                                 gather_ms=self.gather_ms)
        unassigned_since, rejoins = time.monotonic(), 0
        # asynchronous: a synchronous commit held the loop for a broker round trip per poll (13.8 ms
        # on average under make bench's freshness load, beside 27 ms of applying)
        commits = Commits(lambda: consumer.commit_async(callback=_commit_failed))
        try:
            while not stop.is_set():
                try:
                    polled = consumer.poll(timeout_ms=200, max_records=self.max_poll_records)
                except KafkaError as exc:  # the broker away (the group coordinator unreachable): poll again
                    log.warning("cannot reach Kafka; polling again in 1 s", extra={"fields": {"error": repr(exc)}})
                    stop.wait(1.0)
                    continue
                if consumer.assignment():
                    self.assigned.set()
                    unassigned_since, rejoins = time.monotonic(), 0
                elif rejoins < len(REJOIN_AFTER) and time.monotonic() - unassigned_since > REJOIN_AFTER[rejoins]:
                    # kafka-python can join its group before it has the topics' metadata (at start, or
                    # after the broker came back) and then hold an empty assignment; leaving and joining
                    # again fixes that (a few times per spell at most: a replica beyond the partition
                    # count is legitimately idle)
                    log.warning("no partitions assigned; joining the group again",
                                extra={"fields": {"seconds": REJOIN_AFTER[rejoins]}})
                    consumer.unsubscribe()
                    consumer.subscribe(self.topics)
                    rejoins += 1
                    unassigned_since = time.monotonic()
                messages = [m for records in polled.values() for m in records]
                if not messages:
                    commits.due()
                    continue
                started = time.perf_counter()
                self.idle.clear()
                try:
                    self.process(messages)
                finally:
                    self.idle.set()
                    self.applied.set()
                commits.applied(len(messages))
                self.metrics.handler_latency.observe(time.perf_counter() - started)
            # a stop (not an error: a poll that failed is not applied) leaves the applied polls committed;
            # bounded, the broker may be the one away
            try:
                consumer.commit(timeout_ms=FINAL_COMMIT_MS)
            except KafkaError as exc:
                _commit_failed({}, exc)
        finally:
            consumer.close(autocommit=False)

    def process(self, messages: list[Message]) -> None:
        """Apply a poll's messages; returns once each is applied, skipped or dead-lettered."""
        parsed: list[tuple[Message, Any]] = []
        for message in messages:
            try:
                parsed.append((message, jsonutil.loads(message.value)))
            except ValueError as exc:
                self.dead_letter(message, f"invalid event: {exc}")
        decoded: list[tuple[Message, Event]] = []
        for (message, _), opened in zip(parsed, self._open([raw for _, raw in parsed]), strict=True):
            try:
                if isinstance(opened, SealBroken):
                    raise opened
                event = validate(opened)  # a destroyed key opened to the erased form, which is valid
            except (ValueError, EventInvalid) as exc:
                self.dead_letter(message, f"invalid event: {exc}")  # the sealed bytes, as they came
                continue
            if event["type"] in self.handlers:
                decoded.append((message, event))
            else:
                self.metrics.consumed.labels(message.topic, "ignored").inc()
        if not decoded:
            return
        try:
            failed = self._apply_batch(decoded)
        except TRANSIENT as exc:
            log.warning("batch hit a transient failure; retrying one by one",
                        extra={"fields": {"error": repr(exc)}})
            self._apply_one_by_one(decoded)
            return
        for message, reason in failed:
            self.dead_letter(message, reason)

    def _open(self, raws: list[Any]) -> list[Any]:
        """The poll's events opened (rapportkit.sealing), their keys fetched in one query; the keyring
        unreachable is retried with backoff (the poll is not committed meanwhile)."""
        attempt = 0
        while True:
            try:
                return open_each(raws, keyring.default())
            except TRANSIENT as exc:
                attempt += 1
                log.warning("cannot reach the keyring; retrying", extra={"fields": {"error": repr(exc)}})
                time.sleep(min(5.0, self.backoff_seconds * 2 ** min(attempt, 6)))

    def _apply_batch(self, decoded: list[tuple[Message, Event]]) -> list[tuple[Message, str]]:
        """Happy path: the whole poll in one transaction, ids claimed in one statement. If any
        handler fails, the transaction is rolled back and the poll is replayed one message at a
        time, so only the failing message is dead-lettered."""
        try:
            applied: list[tuple[Message, bool]] = []
            with unit_of_work(self.session_factory) as session:
                fresh = inbox.claim_many(session, [(e["tenantid"], e["id"], e["type"]) for _, e in decoded])
                for message, event in decoded:
                    is_new = (event["tenantid"], event["id"]) in fresh
                    if is_new:
                        fresh.discard((event["tenantid"], event["id"]))  # a redelivery in the same poll
                        self._dispatch(session, event, message)
                    applied.append((message, is_new))
            for message, is_new in applied:
                self._count(message, is_new)
            return []
        except TRANSIENT:
            raise
        except Exception:  # noqa: BLE001 - isolate the poison message below
            log.warning("a handler failed; replaying the poll one message at a time")
        failed: list[tuple[Message, str]] = []
        for message, event in decoded:
            try:
                with unit_of_work(self.session_factory) as session:
                    is_new = self._apply(session, event, message)
                self._count(message, is_new)
            except TRANSIENT:
                raise
            except Exception as exc:  # noqa: BLE001 - a poison message must not stop the loop
                log.exception("handler failed", extra={"fields": {"event_id": event["id"]}})
                failed.append((message, f"handler failed: {exc!r}"))
        return failed

    def _apply_one_by_one(self, decoded: list[tuple[Message, Event]]) -> None:
        for message, event in decoded:
            for attempt in range(self.max_retries + 1):
                try:
                    with unit_of_work(self.session_factory) as session:
                        is_new = self._apply(session, event, message)
                    self._count(message, is_new)
                    break
                except TRANSIENT as exc:
                    if attempt == self.max_retries:
                        self.dead_letter(message, f"transient failure after {attempt} retries: {exc!r}")
                    else:
                        time.sleep(self.backoff_seconds * 2 ** attempt)
                except Exception as exc:  # noqa: BLE001
                    log.exception("handler failed", extra={"fields": {"event_id": event["id"]}})
                    self.dead_letter(message, f"handler failed: {exc!r}")
                    break

    def _apply(self, session: Session, event: Event, message: Message) -> bool:
        """Claim and dispatch one event in the caller's transaction; False for a duplicate."""
        if not inbox.claim(session, event["tenantid"], event["id"], event["type"]):
            return False
        self._dispatch(session, event, message)
        return True

    def _dispatch(self, session: Session, event: Event, message: Message) -> None:
        event_id_var.set(event["id"])
        tenant_var.set(event["tenantid"])
        session.info[LANE_INFO] = message_lane(message)
        for handler in self.handlers[event["type"]]:
            handler(session, event)

    def _count(self, message: Message, applied: bool) -> None:
        """Count after the commit, so a rolled-back attempt is not counted."""
        self.metrics.consumed.labels(message.topic, "applied" if applied else "duplicate").inc()

    def dead_letter(self, message: Message, reason: str) -> None:
        """A copy of the message on `<topic>.dlq`: key, value and headers unchanged (the content type and
        lane included), plus the reason headers (replacing those of an earlier dead-lettering)."""
        reasons = [
            ("rapport-error", reason[:4000].encode()),
            ("rapport-original-topic", message.topic.encode()),
            ("rapport-original-partition", str(message.partition).encode()),
            ("rapport-original-offset", str(message.offset).encode()),
            ("rapport-consumer-group", self.group.encode()),
            ("rapport-failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        replaced = {name for name, _ in reasons}
        kept = [(name, value) for name, value in message.headers or () if name not in replaced]
        self.producer.send(dlq_topic(message.topic), key=message.key, value=message.value,
                           headers=kept + reasons).get(timeout=30)
        self.metrics.dead_lettered.labels(message.topic).inc()
        log.warning("message sent to DLQ", extra={"fields": {
            "topic": message.topic, "partition": message.partition, "offset": message.offset,
            "reason": reason[:500]}})
