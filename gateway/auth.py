"""Caller authentication: `Authorization: Bearer <api key>` → the caller's Identity, then the
per-key rate limit and the route's role rule (gateway/access.py).

`CallerDep` (the `authenticate` dependency) is what every public route declares, so no route is
reachable without a key, over its rate, or outside its role. Keys:

- the bootstrap token (RAPPORT_BOOTSTRAP_TOKEN): the platform admin, acting as an `admin` of
  tenant `demo` (docs/contracts.md "Running locally");
- API keys made with `POST /v1/admin/api-keys`: looked up by their SHA-256, refused once revoked.
  A found key is remembered for `CACHE_SECONDS` per process (revoking drops it at once in the
  process that revokes; other gateway replicas refuse it within `CACHE_SECONDS`).
"""

from __future__ import annotations

import hmac
import threading
import time
from typing import Annotated

from fastapi import Depends, Request

from gateway import access
from gateway.directory import find_key, hash_key, now, touch_due, touch_key
from gateway.limits import RateLimiter
from rapportkit.db import read_session, unit_of_work
from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from rapportkit.logs import tenant_var

BOOTSTRAP_TENANT = "demo"
BOOTSTRAP_KEY_ID = "bootstrap"
CACHE_SECONDS = 5.0


class KeyCache:
    """Identities of live keys by key hash, each for `ttl` seconds (bounded, thread-safe)."""

    MAX_ENTRIES = 50_000

    def __init__(self, ttl: float = CACHE_SECONDS):
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Identity]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> Identity | None:
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key_hash]
                return None
            return entry[1]

    def put(self, key_hash: str, identity: Identity) -> None:
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key_hash] = (time.monotonic() + self.ttl, identity)

    def forget(self, key_id: str) -> None:
        with self._lock:
            for key_hash in [h for h, (_, who) in self._entries.items() if who.key_id == key_id]:
                del self._entries[key_hash]


KEYS = KeyCache()


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("missing bearer token (Authorization: Bearer <api key>)")
    return token.strip()


def identify(request: Request, token: str) -> Identity:
    """The identity of an API key (or the bootstrap token); 401 for an unknown or revoked key."""
    bootstrap: str = request.app.state.settings.bootstrap_token
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return Identity(tenant_id=BOOTSTRAP_TENANT, role="admin", key_id=BOOTSTRAP_KEY_ID, platform_admin=True)
    key_hash = hash_key(token)
    cached = KEYS.get(key_hash)
    if cached is not None:
        return cached
    factory = request.app.state.session_factory
    with read_session(factory) as session:  # a lookup does not wait for the gateway's writers
        key = find_key(session, secret=token)
        if key is None:
            raise unauthorized("invalid or revoked API key")
        identity = Identity(tenant_id=key.tenant_id, role=key.role, rep_id=key.rep_id,
                            team_ids=tuple(key.team_ids or ()), key_id=key.key_id)
        due = touch_due(key, at=now())
    if due:  # `last_used_at` is kept to the minute: a write at most once a minute per key
        with unit_of_work(factory) as session:
            key = find_key(session, secret=token)
            if key is None:  # revoked since the lookup
                raise unauthorized("invalid or revoked API key")
            touch_key(key, at=now())
    KEYS.put(key_hash, identity)
    return identity


def authenticate(request: Request) -> Identity:
    """The gate of every public route: who the caller is (401), whether the key is over its rate
    (429) and whether its role may make this request (403; gateway/access.py). A manager's identity
    carries the reps of its teams, which the services scope by (rapportkit/access.py)."""
    identity = identify(request, bearer_token(request))
    tenant_var.set(identity.tenant_id)
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(identity.key_id or "")
    access.authorize(request, identity)
    return access.with_reach(request, identity)


CallerDep = Annotated[Identity, Depends(authenticate)]
