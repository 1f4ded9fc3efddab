"""Limits: the per-key token bucket (429 with Retry-After), the body size limit (413) and the batch
size limit of /v1/events (413)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.limits import BodyLimit, LimitSettings, RateLimiter
from tests.unit.test_gateway_access import BOOT, Gateway, event, make_gateway


def test_bucket_allows_a_burst_then_the_rate() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)  # one a second, three at once
    assert [limiter.take("k", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k", now=100.0) == pytest.approx(1.0)
    assert limiter.take("k", now=100.5) == pytest.approx(0.5)
    assert limiter.take("k", now=101.0) == 0.0
    assert limiter.take("other", now=101.0) == 0.0  # per key
    assert [limiter.take("k", now=1000.0) for _ in range(4)][:3] == [0.0, 0.0, 0.0]  # refilled to the burst only


def test_burst_defaults_to_the_per_minute_rate_and_zero_disables() -> None:
    limiter = RateLimiter(per_minute=6000)
    assert all(limiter.take("k", now=0.0) == 0.0 for _ in range(6000))
    assert limiter.take("k", now=0.0) > 0
    off = RateLimiter(per_minute=0)
    assert all(off.take("k", now=0.0) == 0.0 for _ in range(10_000))


def test_idle_buckets_are_forgotten_when_there_are_too_many(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RateLimiter, "MAX_BUCKETS", 10)
    limiter = RateLimiter(per_minute=60, burst=2)
    for i in range(10):
        limiter.take(f"k{i}", now=0.0)
    limiter.take("busy", now=0.5)
    assert len(limiter._buckets) <= 10


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAPPORT_RATE_LIMIT_PER_MINUTE", "RAPPORT_RATE_LIMIT_BURST", "RAPPORT_MAX_UPLOAD_BYTES"):
        monkeypatch.delenv(name, raising=False)
    assert LimitSettings().rate_limit_per_minute == 6000
    monkeypatch.setenv("RAPPORT_RATE_LIMIT_PER_MINUTE", "5")
    assert LimitSettings().rate_limit_per_minute == 5


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[Gateway]:
    gateway = make_gateway(tmp_path, per_minute=3, max_body_bytes=2000, max_upload_bytes=4000, max_batch=5)
    yield gateway
    gateway.client.close()


def test_429_with_retry_after_per_key(tight: Gateway) -> None:
    assert tight.post("/v1/admin/tenants", {"tenant_id": "acme", "name": "Acme"}).status_code == 201
    other = tight.key("admin", tenant_id="acme")
    assert tight.get("/v1/me").status_code == 200
    r = tight.get("/v1/me")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"
    assert tight.get("/v1/me", key=other).status_code == 200  # another key has its own bucket


def test_unauthenticated_requests_do_not_spend_a_key(tight: Gateway) -> None:
    for _ in range(5):
        assert tight.client.get("/v1/me").status_code == 401
    assert tight.get("/v1/me").status_code == 200


def test_body_over_the_limit_is_413(tight: Gateway) -> None:
    big = {"team_id": "t", "name": "x" * 3000}
    r = tight.post("/v1/admin/teams", big)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_chunked_body_over_the_limit_is_413(tight: Gateway) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"team_id": "t", "name": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    r = tight.client.post("/v1/admin/teams", content=chunks(),
                          headers={**tight.boot, "Content-Type": "application/json"})
    assert r.status_code == 413, r.text


def test_uploads_have_their_own_limit() -> None:
    limit = BodyLimit(app=lambda *_: None, max_body_bytes=10, max_upload_bytes=100)  # type: ignore[arg-type]
    assert limit.limit_for("/v1/imports/linkedin") == 100
    assert limit.limit_for("/v1/events") == 10


def test_batch_over_the_limit_is_413(tight: Gateway) -> None:
    r = tight.client.post("/v1/events", json=[event(tenant="demo", rep=f"r{i}") for i in range(6)],
                          headers={"Authorization": f"Bearer {BOOT}"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "batch_too_large"
