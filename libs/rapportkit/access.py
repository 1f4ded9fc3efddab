"""Who may read what: the one way every service (and the gateway's own stream) scopes a read by the
caller's signed identity (rapportkit/identity.py).

The gateway authenticates the key, applies its route-to-role table (gateway/access.py) and signs
the caller's identity: tenant, role, rep (a `rep` key), teams and — for a `manager` — the rep ids of
its teams (`rep_ids`, read from the gateway's directory at each request). Services never ask the
directory: the identity says how far the caller reaches.

- A rep's **reach**: `admin` every rep of the tenant (`reach()` is None); `manager` the reps of its
  teams; `rep` itself; `ingest` nobody.
- `check_rep`: a rep named by the request (`path.rep_id`, `query.rep_id`) is within reach, else
  403 naming the field — whether or not the rep exists, in this tenant or another.
- `rep_filter`: the rep a list query applies: a `rep` key's own (another one asked is 403), a
  manager's asked rep once checked, else the caller's choice (None: no filter).
- `check_team`: a manager filters by its own teams only (403 naming the field); other roles are
  narrowed by their reach whatever the team.
- `sees_rep` / `sees_team`: whether a line of an answer naming this rep or team may be shown.
- `require`: 403 unless the role is one of `roles`.
The decisions are in docs/gateway.md ("Identity and access").
"""

from __future__ import annotations

from collections.abc import Collection

from rapportkit.errors import ApiError
from rapportkit.identity import ROLES, Identity

ADMIN = frozenset({"admin"})
ANALYSTS = frozenset({"admin", "manager"})
READERS = frozenset({"admin", "manager", "rep"})
WRITERS = frozenset({"admin", "ingest"})
EVERYONE = frozenset(ROLES)

Loc = tuple[str, ...]
PATH_REP: Loc = ("path", "rep_id")
QUERY_REP: Loc = ("query", "rep_id")
QUERY_TEAM: Loc = ("query", "team_id")


def forbidden(message: str, loc: Loc | list[str | int] | None = None) -> ApiError:
    return ApiError(403, "forbidden", message, [{"loc": list(loc), "msg": message}] if loc else None)


def is_admin(identity: Identity) -> bool:
    return identity.role == "admin" or identity.platform_admin


def require(identity: Identity, roles: Collection[str], what: str) -> None:
    """403 unless the caller's role is one of `roles`; `what` names the action ("read insight data")."""
    if identity.role not in roles and not is_admin(identity):
        raise forbidden(f"the {identity.role!r} role may not {what}")


def reach(identity: Identity) -> frozenset[str] | None:
    """The reps the caller may read (None: every rep of the tenant)."""
    if is_admin(identity):
        return None
    if identity.role == "manager":
        return frozenset(identity.rep_ids)
    if identity.role == "rep" and identity.rep_id:
        return frozenset({identity.rep_id})
    return frozenset()


def sees_rep(identity: Identity, rep_id: str | None) -> bool:
    reps = reach(identity)
    return reps is None or rep_id in reps


def sees_team(identity: Identity, team_id: str | None) -> bool:
    return is_admin(identity) or (identity.role == "manager" and team_id in identity.team_ids)


def check_rep(identity: Identity, rep_id: str, loc: Loc = PATH_REP) -> None:
    """403 naming `loc` unless `rep_id` is within the caller's reach."""
    if sees_rep(identity, rep_id):
        return
    if identity.role == "rep":
        raise forbidden(f"a rep key reads only its own rep ({identity.rep_id!r}), not {rep_id!r}", loc)
    if identity.role == "manager":
        raise forbidden(f"rep {rep_id!r} is not in one of the manager's teams ({', '.join(identity.team_ids)})",
                        loc)
    raise forbidden(f"the {identity.role!r} role reads no rep ({rep_id!r})", loc)


def rep_filter(identity: Identity, asked: str | None, loc: Loc = QUERY_REP) -> str | None:
    """The rep filter a list query applies: a rep key's own rep, or the asked rep once checked."""
    if asked is not None:
        check_rep(identity, asked, loc)
        return asked
    if identity.role == "rep":
        return identity.rep_id
    return None


def check_team(identity: Identity, team_id: str | None, loc: Loc = QUERY_TEAM) -> None:
    """A manager may filter by its own teams only (a rep's answers are narrowed to itself anyway)."""
    if team_id is not None and identity.role == "manager" and not sees_team(identity, team_id):
        raise forbidden(f"team {team_id!r} is not one of the manager's teams", loc)
