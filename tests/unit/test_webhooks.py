"""Webhooks without the stack (the end-to-end bar is tests/integration/test_webhooks.py): where a
webhook may point, the retry schedule and disabling, the signature a receiver verifies with the
`standardwebhooks` library, the routes (with private addresses refused, the flag off), staging
deliveries from published events, and the delivery-time SSRF check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook as Verifier
from standardwebhooks import WebhookVerificationError

from gateway.models import Base as GatewayBase
from gateway.models import Webhook, WebhookDelivery
from gateway.webhooks import dispatch, payload, routes, schedule, ssrf, store
from gateway.webhooks.schedule import Outcome
from gateway.webhooks.send import Sender
from rapportkit import jsonutil
from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.identity import Identity
from rapportkit.tenants import delete_tenant
from tests.unit.gateway_app import gateway_client, gateway_database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PUBLIC_URL = "https://93.184.215.14/hooks"  # an IP literal: public, and no DNS needed


# --- where a webhook may point --------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook",
    "http://172.16.5.4/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/hook",
    "http://[fe80::1]/hook", "http://[fd00::5]/hook", "http://[::ffff:10.0.0.1]/hook", "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
])
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(ssrf.UrlRefused, match="private"):
        ssrf.check(url, allow_private=False)
    ssrf.check(url, allow_private=True)  # local development and tests


@pytest.mark.parametrize("url", ["ftp://93.184.215.14/x", "file:///etc/passwd", "http:///x", "not a url",
                                 "https://user:pw@93.184.215.14/x", "http://93.184.215.14:99999/x"])
def test_only_absolute_http_urls_are_accepted(url: str) -> None:
    for allow in (False, True):
        with pytest.raises(ssrf.UrlRefused):
            ssrf.check(url, allow_private=allow)


def test_a_public_address_is_accepted() -> None:
    ssrf.check(PUBLIC_URL, allow_private=False)
    assert ssrf.public_addresses("http://[2606:4700::1111]/x") == ["2606:4700::1111"]


# --- retries and disabling -----------------------------------------------------------------------

def test_the_first_retry_is_within_10_s_and_the_waits_grow_to_6_hours() -> None:
    waits = [schedule.delay(n) for n in range(1, 14)]
    assert waits[0] <= timedelta(seconds=10)
    assert waits == sorted(waits) and waits[-1] == timedelta(hours=6)


def delivery() -> WebhookDelivery:
    return WebhookDelivery(tenant_id="acme", delivery_id="whd-1", webhook_id="wh-1", event_id="e1",
                           event_type="rapport.scoring.score.updated", payload=b"{}", status="pending",
                           next_attempt_at=T0, attempts=[], created_at=T0)


def subscription() -> Webhook:
    return Webhook(tenant_id="acme", webhook_id="wh-1", url=PUBLIC_URL, types=["rapport."], description="",
                   format="cloudevents", secret=store.new_secret(), status="active", created_at=T0)


def fail_until_given_up(d: WebhookDelivery, w: Webhook, start: datetime) -> datetime:
    at = start
    while True:
        schedule.record(d, w, Outcome(503, 12, "answered 503"), at)
        if d.status != "pending":
            return at
        assert d.next_attempt_at is not None
        at = d.next_attempt_at


def test_a_delivery_is_retried_for_24_hours_then_failed_and_the_subscription_disabled() -> None:
    d, w = delivery(), subscription()
    last = fail_until_given_up(d, w, T0)
    assert d.status == "failed" and d.finished_at == last
    assert timedelta(hours=24) <= last - T0 < timedelta(hours=24) + schedule.MAX_DELAY  # at least 24 h of tries
    assert 10 <= len(d.attempts) <= 14
    assert [a["status_code"] for a in d.attempts] == [503] * len(d.attempts)
    assert w.status == "disabled" and w.disabled_at == last and "no 2xx answer since" in str(w.disabled_reason)

    schedule.enable(w)
    schedule.resend(d, last)  # a failed delivery can be re-sent: a new window, the old attempts kept
    assert (w.status, w.failing_since, d.status, d.next_attempt_at) == ("active", None, "pending", last)
    schedule.record(d, w, Outcome(200, 30), last + timedelta(seconds=1))
    assert d.status == "delivered" and d.attempts[-1]["status_code"] == 200


def test_a_subscription_that_answers_sometimes_is_not_disabled() -> None:
    w, failing, other = subscription(), delivery(), delivery()
    at = T0
    while at < T0 + timedelta(hours=20):
        schedule.record(failing, w, Outcome(500, 5, "answered 500"), at)
        assert failing.next_attempt_at is not None and w.failing_since == T0
        at = failing.next_attempt_at
    schedule.record(other, w, Outcome(204, 5), at - timedelta(seconds=1))  # any 2xx: the endpoint works
    assert w.failing_since is None
    last = fail_until_given_up(failing, w, at)
    assert failing.status == "failed" and last - T0 >= timedelta(hours=24)
    assert w.status == "active" and w.failing_since == at  # failing for less than 24 h itself


# --- what a receiver gets ----------------------------------------------------------------------------

EVENT = {"specversion": "1.0", "id": "score-1", "source": "rapport/scoring", "type": "rapport.scoring.score.updated",
         "time": "2026-12-01T23:59:59Z", "tenantid": "acme",
         "data": {"rep_id": "rep-1", "date": "2026-12-01", "total": 41.5,
                  "pillars": {"insight": 10, "connect": 12.5, "engage": 9, "brand": 10}, "factors": []}}


def test_a_receiver_verifies_the_signature_with_the_standardwebhooks_library() -> None:
    secret = store.new_secret()
    body, content_type = payload.body_of(EVENT, "cloudevents")
    headers = payload.headers("score-1", body, [secret], datetime.now(UTC), content_type)
    assert content_type == "application/cloudevents+json" and headers["webhook-id"] == "score-1"
    assert Verifier(secret).verify(body, headers) == EVENT
    with pytest.raises(WebhookVerificationError):
        Verifier(store.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Verifier(secret).verify(body.replace(b"41.5", b"99.5"), headers)


def test_during_a_rotation_both_secrets_sign() -> None:
    w = subscription()
    old = w.secret
    store.rotate(w, T0)
    assert w.secret != old and w.secret.startswith("whsec_")
    signing = store.signing_secrets(w, T0 + timedelta(hours=1))
    assert signing == [w.secret, old]
    assert store.signing_secrets(w, T0 + store.ROTATION_GRACE + timedelta(seconds=1)) == [w.secret]
    body, content_type = payload.body_of(EVENT, "cloudevents")
    headers = payload.headers("score-1", body, signing, datetime.now(UTC), content_type)
    for secret in (old, w.secret):
        Verifier(secret).verify(body, headers)


def test_the_slack_format_is_one_line_of_text() -> None:
    body, content_type = payload.body_of(EVENT, "slack")
    assert content_type == "application/json"
    assert jsonutil.loads(body) == {"text": "Rapport (acme): scoring.score.updated — rep_id rep-1: score 41.5 on "
                                            "2026-12-01 (insight 10, connect 12.5, engage 9, brand 10)"}
    alert = {**EVENT, "type": "rapport.scoring.alert.raised",
             "data": {"rep_id": "rep-1", "kind": "connect_then_pitch",
                      "evidence": {"person": "https://www.linkedin.com/in/ada"}}}
    text = jsonutil.loads(payload.body_of(alert, "slack")[0])["text"]
    assert text.endswith("dark-side alert connect then pitch") and "ada" not in text  # no prospect named


# --- the routes (private addresses refused: the flag is off here) ------------------------------------

@pytest.fixture
def factory(tmp_path: Path) -> Iterator[SessionFactory]:
    with gateway_database(tmp_path) as made:
        yield made


@pytest.fixture
def caller() -> list[Identity]:
    return [Identity(tenant_id="acme", role="admin")]


@pytest.fixture
def client(factory: SessionFactory, caller: list[Identity]) -> Iterator[TestClient]:
    with gateway_client(factory, caller, routes.router) as c:
        yield c


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000/hook", "http://10.0.0.7/hook",
                                 "http://169.254.169.254/latest/meta-data"])
def test_a_private_url_is_a_422_naming_url(client: TestClient, url: str) -> None:
    r = client.post("/v1/webhooks", json={"url": url, "types": ["rapport.scoring."]})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["loc"] == ["url"]
    assert "RAPPORT_WEBHOOK_ALLOW_PRIVATE" in r.json()["error"]["message"]


@pytest.mark.parametrize(("body", "loc"), [
    ({"url": PUBLIC_URL, "types": ["rapport.nothing."]}, ["types"]),
    ({"url": PUBLIC_URL, "types": []}, ["types"]),
    ({"url": PUBLIC_URL, "types": [" "]}, ["types"]),
    ({"url": PUBLIC_URL, "types": ["rapport."], "format": "xml"}, ["format"]),
    ({"url": "gopher://93.184.215.14/", "types": ["rapport."]}, ["url"]),
    ({"types": ["rapport."]}, ["url"]),
])
def test_bad_input_is_a_422_naming_the_field(client: TestClient, body: dict[str, object], loc: list[str]) -> None:
    r = client.post("/v1/webhooks", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["loc"][:len(loc)] == loc


def test_a_subscription_is_created_read_rotated_and_deleted_within_its_tenant(
        client: TestClient, caller: list[Identity]) -> None:
    made = client.post("/v1/webhooks", json={"url": PUBLIC_URL, "types": ["rapport.scoring", "rapport.outcome."],
                                             "description": "CRM", "format": "slack"})
    assert made.status_code == 201, made.text
    body = made.json()
    webhook_id, secret = body["webhook_id"], body["secret"]
    assert secret.startswith("whsec_") and body["types"] == ["rapport.scoring.", "rapport.outcome."]
    assert body["status"] == "active" and body["format"] == "slack"

    read = client.get(f"/v1/webhooks/{webhook_id}").json()
    assert "secret" not in read and read["description"] == "CRM"  # the secret is shown once
    assert [w["webhook_id"] for w in client.get("/v1/webhooks").json()["items"]] == [webhook_id]
    rotated = client.post(f"/v1/webhooks/{webhook_id}/rotate-secret").json()
    assert rotated["secret"] != secret and rotated["previous_secret_until"] is not None
    assert client.get(f"/v1/webhooks/{webhook_id}/deliveries").json() == {"items": [], "total": 0, "limit": 50,
                                                                          "offset": 0}

    caller[0] = Identity(tenant_id="other", role="admin")  # another tenant sees none of it
    assert client.get(f"/v1/webhooks/{webhook_id}").status_code == 404
    assert client.get("/v1/webhooks").json()["total"] == 0
    assert client.delete(f"/v1/webhooks/{webhook_id}").status_code == 404
    caller[0] = Identity(tenant_id="acme", role="admin")
    assert client.delete(f"/v1/webhooks/{webhook_id}").status_code == 200
    assert client.get(f"/v1/webhooks/{webhook_id}").status_code == 404


# --- deliveries: staged from events, re-sent, deleted with the tenant ----------------------------------

def published(event_id: str, event_type: str = "rapport.scoring.score.updated", tenant: str = "acme",
              at: datetime = T0 + timedelta(minutes=1)) -> store.Published:
    return store.Published(tenant_id=tenant, event_id=event_id, event_type=event_type, published_at=at,
                           value=jsonutil.dumps({**EVENT, "id": event_id, "type": event_type, "tenantid": tenant}))


def test_published_events_stage_one_delivery_per_matching_subscription_once(
        factory: SessionFactory, client: TestClient) -> None:
    with unit_of_work(factory) as session:
        scoring = store.create(session, tenant_id="acme", url=PUBLIC_URL, types=["rapport.scoring."],
                               description="", format="cloudevents", now=T0)
        store.create(session, tenant_id="acme", url=PUBLIC_URL, types=["rapport.network.message.sent"],
                     description="", format="cloudevents", now=T0)
        disabled = store.create(session, tenant_id="acme", url=PUBLIC_URL, types=["rapport."], description="",
                                format="cloudevents", now=T0)
        disabled.status = "disabled"
        later = store.create(session, tenant_id="acme", url=PUBLIC_URL, types=["rapport."], description="",
                             format="cloudevents", now=T0 + timedelta(hours=1))
    events = [published("e1"), published("e2", "rapport.insight.profile.viewed"), published("e3", tenant="other"),
              published("e4", at=T0 + timedelta(hours=2))]
    for _ in range(2):  # a poll read again (the gateway died before committing its position) stages nothing new
        with unit_of_work(factory) as session:
            store.stage(session, events, T0 + timedelta(hours=3))
    with factory() as session:
        staged = sorted((d.webhook_id, d.event_id) for d in session.query(WebhookDelivery))
    assert staged == sorted([(scoring.webhook_id, "e1"), (scoring.webhook_id, "e4"), (later.webhook_id, "e4")])

    log = client.get(f"/v1/webhooks/{scoring.webhook_id}/deliveries").json()
    assert sorted(d["event_id"] for d in log["items"]) == ["e1", "e4"] and log["total"] == 2
    first = log["items"][0]
    assert first["status"] == "pending" and first["attempts"] == []
    resent = client.post(f"/v1/webhooks/{scoring.webhook_id}/deliveries/{first['delivery_id']}/resend")
    assert resent.status_code == 202 and resent.json()["status"] == "pending"
    assert client.post(f"/v1/webhooks/{later.webhook_id}/deliveries/{first['delivery_id']}/resend").status_code == 404

    with unit_of_work(factory) as session:
        deleted = delete_tenant(session, "acme", GatewayBase.metadata)
    assert deleted["webhook"] == 4 and deleted["webhook_delivery"] == 3


def test_at_delivery_time_a_host_that_resolves_to_a_private_address_is_not_contacted(
        factory: SessionFactory) -> None:
    claimed = store.Claimed(tenant_id="acme", delivery_id="whd-1", event_id="e1", payload=b"{}",
                            url="http://localhost:9/hook", format="cloudevents", secrets=[store.new_secret()])
    with httpx.Client() as http:
        outcome = Sender(factory, allow_private=False).attempt(http, claimed, EVENT)
    assert outcome.status_code is None and outcome.error is not None and outcome.error.startswith("url refused")


def test_the_dispatcher_reads_a_message_as_its_event_and_passes_over_what_is_not_one_of_its_tenant() -> None:
    value = jsonutil.dumps(EVENT)
    message = SimpleNamespace(key=b"acme:rep-1", value=value, timestamp=int(T0.timestamp() * 1000))
    assert dispatch.published(message) == store.Published(tenant_id="acme", event_id="score-1", value=value,
                                                          event_type="rapport.scoring.score.updated", published_at=T0)
    for key, raw in [(b"other:rep-1", value), (b"acme:rep-1", b"not json"), (b"acme:rep-1", b"[1]"),
                     (b"acme:rep-1", None)]:
        assert dispatch.published(SimpleNamespace(key=key, value=raw, timestamp=0)) is None


def test_a_delivery_goes_to_the_address_checked_and_a_rebound_name_is_refused(
        factory: SessionFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"hooks.example.com": ["93.184.215.14"]}
    monkeypatch.setattr(ssrf, "resolve", lambda host, port: answers[host])
    url = "https://hooks.example.com:8443/in?x=1"
    ssrf.check(url, allow_private=False)  # at creation: public
    sender = Sender(factory, allow_private=False)
    with httpx.Client() as http:
        request = sender.request(http, url, b"{}", {"webhook-id": "e1"})
        assert str(request.url) == "https://93.184.215.14:8443/in?x=1"  # the address that was checked
        assert request.headers["host"] == "hooks.example.com:8443"
        assert request.extensions["sni_hostname"] == "hooks.example.com"  # TLS checks the name's certificate
        answers["hooks.example.com"] = ["93.184.215.14", "10.0.0.5"]  # the name now also leads inside
        claimed = store.Claimed(tenant_id="acme", delivery_id="whd-1", event_id="e1", payload=b"{}", url=url,
                                format="cloudevents", secrets=[store.new_secret()])
        outcome = sender.attempt(http, claimed, EVENT)
    assert outcome.status_code is None and "10.0.0.5" in str(outcome.error)
