"""Webhooks through the whole stack (docs/integrations.md "Webhooks"): a real HTTP receiver in the
test process verifies every delivery with the `standardwebhooks` library, answers 500 first and
sees the retry; a restart of the gateway (which delivers) and of the scoring worker (which makes
the score updates) while deliveries are on their way loses none.

The stack runs with RAPPORT_WEBHOOK_ALLOW_PRIVATE=true (tests/conftest.py): the receiver listens on
127.0.0.1. Each test has a tenant of its own, so no other test's events reach its receiver."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from gateway.webhooks.store import new_secret
from stack.processes import Stack
from tests.integration.helpers import eventually, new_rep, profile_viewed


@dataclass
class Received:
    webhook_id: str
    event: Any  # the verified, parsed body
    answered: int
    at: float


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that verifies each request's signature with `secret` and answers
    500 while `failing` is true (or to its first `fail_first` requests), 204 otherwise."""

    fail_first: int = 0
    failing: bool = False
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                try:
                    event = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                except WebhookVerificationError as exc:
                    receiver.unverified.append(repr(exc))
                    self.send_response(400)
                    self.end_headers()
                    return
                with receiver.lock:
                    fail = receiver.failing or len(receiver.received) < receiver.fail_first
                    code = 500 if fail else 204
                    receiver.received.append(Received(self.headers["webhook-id"], event, code, time.monotonic()))
                self.send_response(code)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/rapport"

    def delivered_ids(self) -> set[str]:
        with self.lock:
            return {r.webhook_id for r in self.received if r.answered < 300}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    made.thread.start()
    yield made
    made.server.shutdown()
    made.server.server_close()


def tenant_admin(stack: Stack, client: httpx.Client) -> httpx.Client:
    """An admin key of a new tenant of its own."""
    tenant = f"wh-{uuid.uuid4().hex[:10]}"
    assert client.post("/v1/admin/tenants", json={"tenant_id": tenant, "name": tenant}).status_code == 201
    key = client.post("/v1/admin/api-keys", json={"role": "admin", "tenant_id": tenant})
    assert key.status_code == 201, key.text
    return httpx.Client(base_url=stack.gateway_url, headers={"Authorization": f"Bearer {key.json()['key']}"},
                        timeout=60)


def subscribe(admin: httpx.Client, receiver: Receiver, types: list[str]) -> str:
    made = admin.post("/v1/webhooks", json={"url": receiver.url, "types": types, "description": "tests"})
    assert made.status_code == 201, made.text
    receiver.secret = made.json()["secret"]
    assert receiver.secret.startswith("whsec_")
    return str(made.json()["webhook_id"])


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_score_update_reaches_the_receiver_signed_and_is_retried_after_a_500(
        stack: Stack, client: httpx.Client, receiver: Receiver) -> None:
    receiver.fail_first = 1
    with tenant_admin(stack, client) as admin:
        tenant = admin.get("/v1/me").json()["tenant_id"]
        webhook_id = subscribe(admin, receiver, ["rapport.scoring."])
        rep = new_rep()
        assert admin.post("/v1/events", json=profile_viewed(tenant, rep, when=now())).status_code == 202

        eventually(lambda: receiver.delivered_ids() or None, timeout=25, what="a delivery answered 2xx")
        first, retry = receiver.received[0], receiver.received[1]
        assert (first.answered, retry.answered) == (500, 204)
        assert first.webhook_id == retry.webhook_id == retry.event["id"]  # receivers dedupe by it
        assert 4 <= retry.at - first.at <= 10  # the first retry within 10 s
        score = retry.event
        assert score["type"] == "rapport.scoring.score.updated" and score["tenantid"] == tenant
        assert score["data"]["rep_id"] == rep and score["data"]["pillars"]["insight"] > 0
        assert "rapportsealed" not in score
        assert not receiver.unverified
        with pytest.raises(WebhookVerificationError):  # signed with the subscription's secret, not any other
            Webhook(new_secret()).verify(b"{}", {"webhook-id": "x", "webhook-timestamp": str(int(time.time())),
                                                 "webhook-signature": "v1,AAAA"})

        log = admin.get(f"/v1/webhooks/{webhook_id}/deliveries").json()
        delivery = next(d for d in log["items"] if d["event_id"] == score["id"])
        assert delivery["status"] == "delivered"
        assert [(a["status_code"], a["error"]) for a in delivery["attempts"]] == [(500, "answered 500"), (204, None)]
        assert all(a["latency_ms"] >= 0 and a["at"] for a in delivery["attempts"])
        assert admin.get(f"/v1/webhooks/{webhook_id}").json()["failing_since"] is None  # the 2xx cleared it


def test_a_restart_of_every_process_during_delivery_loses_no_delivery(
        stack: Stack, client: httpx.Client, receiver: Receiver) -> None:
    receiver.failing = True  # deliveries stay pending, retried, until the processes are back
    with tenant_admin(stack, client) as admin:
        tenant = admin.get("/v1/me").json()["tenant_id"]
        subscribe(admin, receiver, ["rapport.scoring.score.updated"])
        before, during = [new_rep() for _ in range(3)], [new_rep() for _ in range(3)]
        posted = admin.post("/v1/events", json=[profile_viewed(tenant, r, when=now()) for r in before])
        assert posted.status_code == 202
        eventually(lambda: len({r.webhook_id for r in receiver.received}) >= 3 or None, timeout=20,
                   what="a first attempt of the first three score updates")
        posted = admin.post("/v1/events", json=[profile_viewed(tenant, r, when=now()) for r in during])
        assert posted.status_code == 202
    every = list(stack.procs)  # the gateway, the four service APIs and their workers
    for name in every:  # SIGKILL: nothing is flushed or committed on the way out
        stack.kill(name)
    receiver.failing = False
    for name in every:
        stack.relaunch(name)
    stack.wait_ready(every, timeout=120)

    def every_rep() -> set[str] | None:
        with receiver.lock:
            reps = {r.event["data"]["rep_id"] for r in receiver.received if r.answered < 300}
        return reps if reps >= {*before, *during} else None

    # no delivery lost is the point, not speed: after a SIGKILL the consumer groups wait out the dead
    # members' session (10 s) before they rebalance, and a slow machine restarts nine processes slowly
    eventually(every_rep, timeout=90, what="every score update delivered after the restart")
    assert not receiver.unverified
