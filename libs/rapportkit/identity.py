"""The signed internal identity the gateway attaches to every request it forwards.

Header `X-Rapport-Identity: <base64url(json)>.<hex hmac-sha256>`, keyed by RAPPORT_INTERNAL_SECRET
and valid for `MAX_AGE_SECONDS`. Services refuse requests without a valid one (401), so only the
gateway, which authenticated the caller, can reach them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import asdict, dataclass, field

from rapportkit import jsonutil

HEADER = "X-Rapport-Identity"
MAX_AGE_SECONDS = 300
ROLES = ("admin", "manager", "rep", "ingest")


class IdentityError(Exception):
    pass


@dataclass(frozen=True)
class Identity:
    tenant_id: str
    role: str
    rep_id: str | None = None
    team_ids: tuple[str, ...] = field(default_factory=tuple)
    key_id: str | None = None
    platform_admin: bool = False
    rep_ids: tuple[str, ...] = field(default_factory=tuple)  # a manager's reach: the reps of its teams


def _mac(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign(identity: Identity, secret: str, *, now: float | None = None) -> str:
    body = {**asdict(identity), "team_ids": list(identity.team_ids), "rep_ids": list(identity.rep_ids),
            "iat": int(now or time.time())}
    payload = base64.urlsafe_b64encode(jsonutil.dumps(body)).rstrip(b"=")
    return f"{payload.decode()}.{_mac(secret, payload)}"


def verify(header: str | None, secret: str, *, now: float | None = None) -> Identity:
    if not header or "." not in header:
        raise IdentityError("missing internal identity")
    payload_text, mac = header.rsplit(".", 1)
    payload = payload_text.encode()
    if not hmac.compare_digest(_mac(secret, payload), mac):
        raise IdentityError("bad internal identity signature")
    body = jsonutil.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    if abs((now or time.time()) - float(body.pop("iat", 0))) > MAX_AGE_SECONDS:
        raise IdentityError("internal identity expired")
    body["team_ids"] = tuple(body.get("team_ids") or ())
    body["rep_ids"] = tuple(body.get("rep_ids") or ())
    return Identity(**body)
