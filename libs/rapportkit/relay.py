"""Outbox relay: publishes outbox rows to Kafka, retrying failures with backoff.

Every message is a CloudEvent in the structured content mode of the CloudEvents Kafka protocol
binding 1.0.2: the value is the event in the JSON format, with the header `content-type:
application/cloudevents+json; charset=utf-8`, which tells the SDKs' Kafka conversions the mode.

Live rows go first, every pass; bulk rows fill what is left of the pass, as far as the pace allows
(rapportkit.pace), and also carry the Kafka header `rapport-lane: bulk` so consumers can put their
work behind live work too.

A running relay passes at most once per `min_pass_seconds` (RAPPORT_RELAY_MIN_PASS_MS, 100): a
steady stream of small commits (one per ingest request) then goes out in a few larger passes and
produce requests instead of one each, and a row staged after a quieter spell goes at once. A pass
that took fewer rows than a batch took every due one, so the relay waits for the next commit's
notification rather than passing again straight away."""

from __future__ import annotations

import logging
import threading
import time

from kafka import KafkaProducer

from rapportkit import outbox
from rapportkit.db import Listener, SessionFactory, read_session, unit_of_work
from rapportkit.envelope import STRUCTURED_CONTENT_TYPE
from rapportkit.metrics import Metrics
from rapportkit.pace import BulkPace

log = logging.getLogger(__name__)
LANE_HEADER = "rapport-lane"
CONTENT_TYPE_HEADER = "content-type"
KAFKA_CONTENT_TYPE = f"{STRUCTURED_CONTENT_TYPE}; charset=utf-8"
LIVE_HEADERS = [(CONTENT_TYPE_HEADER, KAFKA_CONTENT_TYPE.encode())]
BULK_HEADERS = [*LIVE_HEADERS, (LANE_HEADER, outbox.BULK.encode())]


def message_headers(lane: str) -> list[tuple[str, bytes]]:
    """The Kafka headers of a message of `lane`: the structured-mode content type, and the lane's mark."""
    return BULK_HEADERS if lane == outbox.BULK else LIVE_HEADERS


class OutboxRelay:
    def __init__(self, *, session_factory: SessionFactory, producer: KafkaProducer, metrics: Metrics,
                 pace: BulkPace | None = None, listener: Listener | None = None, batch_size: int = 500,
                 idle_seconds: float = 0.05, max_idle_seconds: float = 0.5, min_pass_seconds: float = 0.0):
        self.session_factory = session_factory
        self.listener = listener
        self.held_back = False  # bulk rows the pace held back last pass: look again soon
        self.producer = producer
        self.metrics = metrics
        self.pace = pace
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.max_idle_seconds = max_idle_seconds
        self.min_pass_seconds = min_pass_seconds

    def publish_due(self) -> int:
        """Publish one batch of due rows; returns how many went out."""
        self.held_back = False
        with unit_of_work(self.session_factory) as session:
            rows = outbox.due(session, self.batch_size, lane=outbox.LIVE)
            left = self.batch_size - len(rows)
            bulk = outbox.due(session, left, lane=outbox.BULK) if left else []
            if bulk and self.pace is not None:
                waiting = len(bulk)
                bulk = bulk[:self.pace.room()]
                self.pace.published(len(bulk))
                self.held_back = waiting > len(bulk)
            rows += bulk
            if not rows:
                return 0
            futures = [(row, self.producer.send(row.topic, key=row.key.encode(), value=row.payload,
                                                headers=message_headers(row.lane)))
                       for row in rows]
            self.producer.flush(timeout=30)
            sent: list[int] = []
            for row, future in futures:
                try:
                    future.get(timeout=30)
                    sent.append(row.seq)
                    self.metrics.published.labels(row.topic).inc()
                except Exception as exc:  # noqa: BLE001 - any send error is retried later
                    outbox.mark_failed(session, row.seq, repr(exc))
                    self.metrics.publish_errors.inc()
                    log.warning("outbox publish failed", extra={"fields": {"event_id": row.event_id,
                                                                            "error": repr(exc)}})
            outbox.mark_published(session, sent)
            return len(sent)

    def run(self, stop: threading.Event) -> None:
        wait = self.idle_seconds
        next_gauge = 0.0
        last_pass = float("-inf")
        while not stop.is_set():
            # at most a pass per `min_pass_seconds`: under a steady stream of small commits (one per
            # request) the rows gather into fewer, larger passes and produce requests; after a quieter
            # spell the pass is at once
            gap = self.min_pass_seconds - (time.monotonic() - last_pass)
            if gap > 0 and stop.wait(gap):
                break
            last_pass = time.monotonic()
            if time.monotonic() >= next_gauge:  # the outbox_backlog gauge, every few seconds
                try:
                    self.refresh_backlog()
                except Exception:  # noqa: BLE001 - a metric must not stop the relay
                    log.warning("could not read the outbox backlog")
                next_gauge = time.monotonic() + 5
            try:
                published = self.publish_due()
            except Exception:
                log.exception("outbox relay pass failed; retrying")
                published = 0
                wait = self.max_idle_seconds
            if published:
                wait = self.idle_seconds
                if published >= self.batch_size:  # a full batch: more may be due at once
                    continue
            # a pass that took fewer than a batch took every due row: what was staged since has
            # notified the listener, so its wait returns at once
            if self.listener is not None:  # woken by the commit that stages rows (or polling on SQLite)
                self.listener.wait(self.pace.refresh_seconds if self.held_back and self.pace else self.max_idle_seconds)
            else:
                stop.wait(wait)
                wait = min(self.max_idle_seconds, wait * 1.5)

    def refresh_backlog(self) -> None:
        with read_session(self.session_factory) as session:
            self.metrics.outbox_backlog.set(outbox.backlog(session))
