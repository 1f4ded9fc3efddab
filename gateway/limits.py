"""Limits of the gateway: a per-key rate limit (token bucket, 429 with `Retry-After`) and the
request body size limit (413), both before anything reaches a service.

The buckets live in the memory of each gateway process: with N replicas behind a load balancer a
key may make up to N times its rate in the worst case. The batch size limit of `/v1/events` (413
over RAPPORT_MAX_BATCH) is checked where the events are parsed (gateway/events.py).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rapportkit import jsonutil
from rapportkit.errors import ApiError, error_body

UPLOAD_PREFIX = "/v1/imports/"  # archives and CSVs: their own, larger body limit


class LimitSettings(BaseSettings):
    """The limits' settings (environment only)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # requests per minute per API key; 0 turns the rate limit off
    rate_limit_per_minute: int = Field(6000, ge=0, validation_alias="RAPPORT_RATE_LIMIT_PER_MINUTE")
    # bucket size (requests a key may make at once after being idle); 0 = the per-minute rate
    rate_limit_burst: int = Field(0, ge=0, validation_alias="RAPPORT_RATE_LIMIT_BURST")
    # body limit of the upload routes (/v1/imports/...); others use RAPPORT_MAX_BODY_BYTES
    max_upload_bytes: int = Field(200 * 1024 * 1024, ge=1, validation_alias="RAPPORT_MAX_UPLOAD_BYTES")


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """One token bucket per key: `capacity` tokens, refilled at `per_minute / 60` tokens a second.
    Thread-safe (the authentication dependency runs in FastAPI's thread pool)."""

    MAX_BUCKETS = 100_000

    def __init__(self, *, per_minute: int, burst: int = 0):
        self.per_minute = per_minute
        self.capacity = float(burst or per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self._now = time.monotonic

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, key: str, *, now: float | None = None) -> float:
        """Take one token for `key`: 0.0 when allowed, else the seconds until a token is available."""
        if not self.enabled:
            return 0.0
        at = self._now() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.MAX_BUCKETS:
                    self._forget_full(at)
                bucket = self._buckets[key] = Bucket(self.capacity, at)
            bucket.tokens = min(self.capacity, bucket.tokens + (at - bucket.updated) * self.rate)
            bucket.updated = at
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def check(self, key: str) -> None:
        """Raise 429 with `Retry-After` (whole seconds, at least 1) when `key` is over its rate."""
        wait = self.take(key)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, "rate_limited",
                           f"rate limit of {self.per_minute} requests per minute for this API key exceeded; "
                           f"retry in {retry} s", headers={"Retry-After": str(retry)})

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (idle keys): they would start full anyway."""
        full = [k for k, b in self._buckets.items()
                if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.MAX_BUCKETS:  # still full: forget everything rather than grow
            self._buckets.clear()


class BodyLimit:
    """ASGI middleware: 413 for a request body over the limit, from `Content-Length` before the
    body is read, or as soon as a body without one (chunked) goes over it."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, path: str) -> int:
        return self.max_upload_bytes if path.startswith(UPLOAD_PREFIX) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(send, limit)
            return
        received = 0
        exceeded = started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(f"request body over {limit} bytes")
            return message

        async def guarded(message: Message) -> None:
            # once the body is over the limit, whatever the app answers (its body parser may turn
            # the error into a 400) is replaced by the 413
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await too_large(send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded:
                raise
            if not started:
                await too_large(send, limit)


class BodyTooLarge(Exception):
    pass


async def too_large(send: Send, limit: int) -> None:
    body = jsonutil.dumps(error_body("payload_too_large", f"request body over {limit} bytes",
                                     [{"loc": ["body"], "msg": f"at most {limit} bytes"}]))
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def install(app: FastAPI, *, max_body_bytes: int, settings: LimitSettings | None = None) -> None:
    """Register the body limit on `app` and its rate limiter (`app.state.rate_limiter`, which
    `authenticate` applies once the key is known)."""
    limits = settings or LimitSettings()
    app.state.rate_limiter = RateLimiter(per_minute=limits.rate_limit_per_minute, burst=limits.rate_limit_burst)
    app.add_middleware(BodyLimit, max_body_bytes=max_body_bytes, max_upload_bytes=limits.max_upload_bytes)
