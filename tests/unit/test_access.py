"""rapportkit.access: the one way services scope a read by the signed identity (a rep reads itself, a
manager the reps of its teams as the gateway signed them, an admin everyone, an ingest key nobody)."""

from __future__ import annotations

import pytest

from rapportkit import access
from rapportkit.errors import ApiError
from rapportkit.identity import Identity, sign, verify

ADMIN = Identity(tenant_id="acme", role="admin")
MANAGER = Identity(tenant_id="acme", role="manager", team_ids=("east",), rep_ids=("ann", "bob"))
REP = Identity(tenant_id="acme", role="rep", rep_id="ann")
INGEST = Identity(tenant_id="acme", role="ingest")


def refusal(call: object, *args: object, **kwargs: object) -> ApiError:
    assert callable(call)
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 403 and caught.value.code == "forbidden"
    return caught.value


def test_reach_by_role() -> None:
    assert access.reach(ADMIN) is None
    assert access.reach(Identity(tenant_id="demo", role="admin", platform_admin=True)) is None
    assert access.reach(MANAGER) == frozenset({"ann", "bob"})
    assert access.reach(REP) == frozenset({"ann"})
    assert access.reach(INGEST) == frozenset()
    assert access.reach(Identity(tenant_id="acme", role="manager", team_ids=("east",))) == frozenset()


def test_a_rep_outside_reach_is_403_naming_the_field() -> None:
    access.check_rep(ADMIN, "anyone")
    access.check_rep(MANAGER, "bob")
    access.check_rep(REP, "ann")
    for who, rep in ((REP, "bob"), (MANAGER, "cy"), (INGEST, "ann")):
        error = refusal(access.check_rep, who, rep)
        assert error.details == [{"loc": ["path", "rep_id"], "msg": error.message}]
        assert rep in error.message
    assert refusal(access.check_rep, REP, "bob", access.QUERY_REP).details[0]["loc"] == ["query", "rep_id"]


def test_the_rep_filter_of_a_list() -> None:
    assert access.rep_filter(REP, None) == "ann"  # forced to itself
    assert access.rep_filter(REP, "ann") == "ann"
    assert refusal(access.rep_filter, REP, "bob").details[0]["loc"] == ["query", "rep_id"]
    assert access.rep_filter(MANAGER, None) is None
    assert access.rep_filter(MANAGER, "bob") == "bob"
    refusal(access.rep_filter, MANAGER, "cy")
    assert access.rep_filter(ADMIN, "cy") == "cy"


def test_teams() -> None:
    access.check_team(MANAGER, "east")
    access.check_team(MANAGER, None)
    access.check_team(ADMIN, "west")
    access.check_team(REP, "west")  # a rep's answer is narrowed to itself whatever the team
    assert refusal(access.check_team, MANAGER, "west").details[0]["loc"] == ["query", "team_id"]
    assert [access.sees_team(who, "east") for who in (ADMIN, MANAGER, REP, INGEST)] == [True, True, False, False]


def test_roles() -> None:
    access.require(MANAGER, access.ANALYSTS, "read the evidence report")
    assert "'rep' role may not read the evidence report" in refusal(
        access.require, REP, access.ANALYSTS, "read the evidence report").message
    refusal(access.require, INGEST, access.READERS, "read content")


def test_the_managers_reach_travels_in_the_signed_identity() -> None:
    assert verify(sign(MANAGER, "s" * 32), "s" * 32) == MANAGER
