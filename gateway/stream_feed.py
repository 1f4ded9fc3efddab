"""The Kafka side of the event stream (the design is in gateway/stream.py): the feeder thread that
reads the domain topics without a consumer group into the hub, and its start and stop with the
gateway."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from fastapi import FastAPI
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from prometheus_client import Counter
from sqlalchemy import exc as sa_exc

from gateway.privacy import REQUESTED
from gateway.stream_hub import STREAMED_DOMAINS, Hub
from rapportkit import jsonutil, keyring
from rapportkit.catalog import TOPICS
from rapportkit.kafka import RECONNECT
from rapportkit.privacy import needles_of
from rapportkit.sealing import SealBroken, open_each

log = logging.getLogger(__name__)

STREAMED_TOPICS = tuple(TOPICS[d] for d in STREAMED_DOMAINS)
PRIVACY_TOPIC = TOPICS["privacy"]
received_counter = Counter("gateway_stream_events_received", "Events read by the SSE feeder", ["topic"])


# --- the Kafka side ---------------------------------------------------------------------------

def tenant_of(key: bytes | None, event: Any) -> str | None:
    if key and b":" in key:
        return key.split(b":", 1)[0].decode(errors="replace")
    tenant = event.get("tenantid") if isinstance(event, dict) else None
    return tenant if isinstance(tenant, str) else None


def _parsed(value: bytes) -> Any:
    try:
        return jsonutil.loads(value)
    except ValueError:
        return None  # not JSON: nothing in it to read


class Feeder:
    """The thread that reads the topics (no consumer group) into the hub."""

    def __init__(self, hub: Hub, *, bootstrap: str, topics: tuple[str, ...] = (*STREAMED_TOPICS, PRIVACY_TOPIC)):
        self.hub = hub
        self.bootstrap = bootstrap
        self.topics = topics
        self.ready = threading.Event()

    def run(self, stop: threading.Event) -> None:
        # fetch_max_wait_ms: how long the broker holds a fetch while there is nothing new; a message
        # ends it at once, so it costs no latency. 100 ms made the idle gateway fetch every partition
        # ten times a second: gateway 0.11 -> 0.08 core and the broker 0.15 -> 0.12 core with 500
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=None,
                                 client_id="gateway-stream", enable_auto_commit=False, fetch_max_wait_ms=500,
                                 metadata_max_age_ms=30000, max_poll_records=1000, **RECONNECT)
        try:
            checked = time.monotonic()
            while not stop.is_set():
                try:
                    if not self.ready.is_set():
                        self._assign(consumer, stop, at_end=True)
                        self.ready.set()
                        checked = time.monotonic()
                    polled = consumer.poll(timeout_ms=200)
                    for records in polled.values():
                        self.feed(records)
                    if time.monotonic() - checked > 60:
                        checked = time.monotonic()
                        self._assign(consumer, stop, at_end=False)
                except (KafkaError, sa_exc.OperationalError) as exc:  # the broker or the keyring away: try again
                    log.warning("the stream feeder cannot reach Kafka; retrying",
                                extra={"fields": {"error": repr(exc)}})
                    stop.wait(1.0)
        finally:
            consumer.close(autocommit=False)

    def _assign(self, consumer: KafkaConsumer, stop: threading.Event, *, at_end: bool) -> None:
        """Assign every partition of the topics; at start, position them at their end. Later calls pick
        up partitions added since (from their beginning) and keep the others where they are."""
        while not stop.is_set():
            consumer.topics()  # refresh the metadata
            found = {t: consumer.partitions_for_topic(t) for t in self.topics}
            missing = [t for t, parts in found.items() if not parts]
            if not missing:
                break
            if not at_end:
                return
            log.warning("stream topics not in the metadata yet", extra={"fields": {"missing": missing}})
            stop.wait(1.0)
        else:
            return
        wanted = [TopicPartition(t, p) for t, parts in found.items() for p in sorted(parts or ())]
        current = set(consumer.assignment())
        if set(wanted) == current:
            return
        positions = {tp: consumer.position(tp) for tp in current}
        consumer.assign(wanted)
        if at_end:
            consumer.seek_to_end(*wanted)
            for tp in wanted:
                consumer.position(tp)  # resolve the end offsets now, so nothing published after this is missed
            return
        for tp in wanted:
            if tp in positions:
                consumer.seek(tp, positions[tp])
            else:
                consumer.seek_to_beginning(tp)

    def feed(self, records: list[Any]) -> None:
        """Hand the records' values to the hub as they came, personal fields sealed (the hub opens
        them only for a connected client: gateway/stream_hub.py); a privacy request, opened here,
        purges the person from it instead (before this poll's events are buffered, so that they are
        checked too)."""
        streamed: list[tuple[str, bytes]] = []
        requests: list[Any] = []
        for record in records:
            received_counter.labels(record.topic).inc()
            if record.value is None:
                continue
            if record.topic == PRIVACY_TOPIC:
                requests.append(_parsed(record.value))
            elif tenant := tenant_of(record.key, None) or tenant_of(None, _parsed(record.value)):
                streamed.append((tenant, record.value))
        for event in open_each(requests, keyring.default()) if requests else ():
            if isinstance(event, SealBroken):
                log.warning("a privacy event whose seal does not open ignored by the stream")
            else:
                self._privacy(event)
        if streamed:
            self.hub.publish(streamed)

    def _privacy(self, event: Any) -> None:
        try:
            if event.get("type") == REQUESTED:
                self.hub.purge(str(event["tenantid"]), needles_of(event["data"]["person"]))
        except (KeyError, TypeError, AttributeError):
            log.warning("unreadable privacy event ignored by the stream")


class StreamService:
    """The hub and its feeder thread, started and stopped with the gateway."""

    def __init__(self, *, bootstrap: str, loop: asyncio.AbstractEventLoop):
        self.hub = Hub()
        self.feeder = Feeder(self.hub, bootstrap=bootstrap)
        self.stop = threading.Event()
        self.loop = loop
        self.thread = threading.Thread(target=self._run, name="stream", daemon=True)

    def _run(self) -> None:
        try:
            self.feeder.run(self.stop)
        except Exception:
            log.exception("the stream feeder died")

    def start(self) -> None:
        self.thread.start()
        _chain_exit_signals(lambda: self._close_soon())

    def _close_soon(self) -> None:
        self.loop.call_soon_threadsafe(self.hub.close)

    def close(self) -> None:
        self.hub.close()
        self.stop.set()
        self.thread.join(timeout=30)
        if self in _running:
            _running.remove(self)

    def ready(self) -> None:
        self.alive()
        if not self.feeder.ready.is_set():
            raise RuntimeError("the stream feeder is not positioned on its topics yet")

    def alive(self) -> None:
        if not self.thread.is_alive():
            raise RuntimeError("background threads died: ['stream']")


_running: list[StreamService] = []


def start(app: FastAPI, *, bootstrap: str) -> StreamService:
    """Start the stream (from the gateway's lifespan); `close()` it at shutdown."""
    service = StreamService(bootstrap=bootstrap, loop=asyncio.get_running_loop())
    service.start()
    _running.append(service)
    app.state.stream_hub = service.hub
    return service


def ready() -> None:
    for service in _running:
        service.ready()


def alive() -> None:
    for service in _running:
        service.alive()


def _chain_exit_signals(on_exit: Callable[[], None]) -> None:
    """End the streams as soon as the server is told to stop: the server waits for open responses
    to finish before it runs the lifespan's shutdown, and a stream never finishes by itself."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: FrameType | None, previous: Callable[..., Any] = previous) -> None:
            on_exit()
            previous(signum, frame)

        signal.signal(sig, handler)


