"""The gateway's signed identity header: verified, tamper-evident, short-lived."""

from __future__ import annotations

import pytest

from rapportkit.identity import Identity, IdentityError, sign, verify

SECRET = "s" * 32
WHO = Identity(tenant_id="acme", role="manager", rep_id=None, team_ids=("t1", "t2"), key_id="k1")


def test_round_trip() -> None:
    assert verify(sign(WHO, SECRET), SECRET) == WHO


def test_wrong_secret_or_tampering_is_refused() -> None:
    header = sign(WHO, SECRET)
    with pytest.raises(IdentityError):
        verify(header, "x" * 32)
    payload, mac = header.rsplit(".", 1)
    forged = sign(Identity(tenant_id="other", role="admin"), "x" * 32).rsplit(".", 1)[0]
    with pytest.raises(IdentityError):
        verify(f"{forged}.{mac}", SECRET)


def test_missing_and_expired_headers_are_refused() -> None:
    for header in (None, "", "garbage"):
        with pytest.raises(IdentityError):
            verify(header, SECRET)
    old = sign(WHO, SECRET, now=1_000_000)
    with pytest.raises(IdentityError, match="expired"):
        verify(old, SECRET, now=1_000_000 + 301)
    assert verify(old, SECRET, now=1_000_000 + 299) == WHO
