"""Caller authentication: `Authorization: Bearer <api key>` → the caller's Identity.

Walking skeleton: the bootstrap token (RAPPORT_BOOTSTRAP_TOKEN) is the one key; it acts as the
platform admin and as an `admin` of tenant `demo` (CONTRACTS.md "Running locally").
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from rapportkit.logs import tenant_var

BOOTSTRAP_TENANT = "demo"


def authenticate(request: Request) -> Identity:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "missing bearer token (Authorization: Bearer <api key>)",
                       headers={"WWW-Authenticate": "Bearer"})
    bootstrap: str = request.app.state.settings.bootstrap_token
    if bootstrap and hmac.compare_digest(token.strip(), bootstrap):
        identity = Identity(tenant_id=BOOTSTRAP_TENANT, role="admin", key_id="bootstrap", platform_admin=True)
        tenant_var.set(identity.tenant_id)
        return identity
    raise ApiError(401, "unauthorized", "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})


CallerDep = Annotated[Identity, Depends(authenticate)]
