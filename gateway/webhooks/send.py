"""The sender: a background loop of the gateway that POSTs due deliveries and records each attempt.

Each pass claims up to `BATCH` due deliveries (store.claim_due: leased, `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so gateway replicas share the work and a sender that dies lets its claims go after the
lease), opens their events with the keyring (an erased person's event opens to its erased form),
POSTs them `WORKERS` at a time and records the outcomes (schedule.record) in one transaction.

Each request: the subscription's body and the Standard Webhooks headers (payload.py), a 10 s
timeout, no redirects followed (a redirect is a non-2xx answer: it could lead anywhere). Unless
private addresses are allowed, the host is resolved and checked at every attempt (ssrf.py) and the
request goes to the checked address (the URL's host in `Host` and, for https, in the TLS server
name), so the name cannot resolve elsewhere between the check and the connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client import Counter

from gateway.webhooks import payload, ssrf, store
from gateway.webhooks.schedule import Outcome
from rapportkit import jsonutil, keyring
from rapportkit.consumer import TRANSIENT, ConsumerLoop
from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.sealing import SealBroken, open_each
from rapportkit.service import MakeLoop

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
BATCH = 20
WORKERS = 8
IDLE_SECONDS = 0.5
PRUNE_EVERY_SECONDS = 3600.0
attempts_counter = Counter("gateway_webhook_attempts", "Webhook delivery attempts", ["result"])  # answered 2xx or not


class Sender:
    def __init__(self, factory: SessionFactory, *, allow_private: bool):
        self.factory = factory
        self.allow_private = allow_private

    def run(self, stop: threading.Event) -> None:
        pruned = 0.0
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client, \
                ThreadPoolExecutor(WORKERS, thread_name_prefix="webhook-send") as pool:
            while not stop.is_set():
                try:
                    sent = self.send_due(client, pool)
                    if time.monotonic() - pruned > PRUNE_EVERY_SECONDS:
                        with unit_of_work(self.factory) as session:
                            store.prune(session, datetime.now(UTC))
                        pruned = time.monotonic()
                except TRANSIENT as exc:  # the database or the keyring away: try again
                    log.warning("webhook sender cannot reach the database; retrying",
                                extra={"fields": {"error": repr(exc)}})
                    stop.wait(1.0)
                    continue
                if not sent:
                    stop.wait(IDLE_SECONDS)

    def send_due(self, client: httpx.Client, pool: ThreadPoolExecutor) -> int:
        """One pass; returns how many deliveries were attempted."""
        with unit_of_work(self.factory) as session:
            claimed = store.claim_due(session, limit=BATCH, now=datetime.now(UTC))
        if not claimed:
            return 0
        events = open_each([jsonutil.loads(c.payload) for c in claimed], keyring.default())
        outcomes = list(pool.map(lambda pair: self.attempt(client, *pair), zip(claimed, events, strict=True)))
        with unit_of_work(self.factory) as session:
            for one, outcome in zip(claimed, outcomes, strict=True):
                store.finish(session, one, outcome, datetime.now(UTC))
        for outcome in outcomes:
            attempts_counter.labels("delivered" if outcome.ok else "failed").inc()
        return len(claimed)

    def attempt(self, client: httpx.Client, claimed: store.Claimed, event: Any) -> Outcome:
        if isinstance(event, SealBroken):
            return Outcome(None, 0, f"the event does not open: {event}")
        body, content_type = payload.body_of(event, claimed.format)
        started = time.perf_counter()

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            request = self.request(client, claimed.url, body, payload.headers(
                claimed.event_id, body, claimed.secrets, datetime.now(UTC), content_type))
            response = client.send(request, stream=True)
            response.close()  # the answer's body is not read: only its status counts
        except ssrf.UrlRefused as exc:
            return Outcome(None, elapsed(), f"url refused: {exc}")
        except httpx.TimeoutException:
            return Outcome(None, elapsed(), f"timed out after {TIMEOUT_SECONDS:g} s")
        except httpx.HTTPError as exc:
            return Outcome(None, elapsed(), f"{exc.__class__.__name__}: {exc}"[:500])
        code = response.status_code
        return Outcome(code, elapsed(), None if 200 <= code < 300 else f"answered {code}")

    def request(self, client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> httpx.Request:
        """The POST, to a checked address of the URL's host unless private addresses are allowed."""
        if self.allow_private:
            ssrf.host_and_port(url)
            return client.build_request("POST", url, content=body, headers=headers)
        address = ssrf.public_addresses(url)[0]
        target = httpx.URL(url)
        return client.build_request(
            "POST", target.copy_with(host=address), content=body, headers={**headers, "host": target.netloc.decode()},
            extensions={"sni_hostname": target.host} if target.scheme == "https" else None)


def sender(*, allow_private: bool) -> MakeLoop:
    """The sender as one of the gateway's background loops (`rapportkit.service.Background`)."""

    def make(factory: SessionFactory, _consumer: ConsumerLoop | None) -> Callable[[threading.Event], None]:
        return Sender(factory, allow_private=allow_private).run

    return make
