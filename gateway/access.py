"""Who may call what: one access rule per public route, applied by `authenticate` (gateway/auth.py)
to every request after the caller is identified.

Roles (docs/contracts.md): `admin` reads and changes everything of its tenant; `manager` reads the reps
of its teams; `rep` reads itself; `ingest` writes events and imports and reads nothing. Data that
is the tenant's shared market picture (accounts, signals, recommendations, content, settings) is
readable by every reader role. Every service also scopes each read by the tenant of the signed
identity, so another tenant's id is a 404 there.

Where a service answers a list for the whole tenant, the gateway narrows it for a manager or a rep:
it forces or checks the query parameter that filters by rep or team (`rep_id`, `team_id`) and
filters the JSON answer (`RESPONSE_FILTER`, applied by the `ScopedResponses` middleware). The
table and the decisions are in docs/gateway.md ("Identity and access").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.directory import reps_of_teams
from rapportkit import jsonutil
from rapportkit.db import read_session
from rapportkit.errors import ApiError, bad_request, error_body
from rapportkit.identity import ROLES, Identity

log = logging.getLogger(__name__)

ADMIN = frozenset({"admin"})
ANALYSTS = frozenset({"admin", "manager"})
READERS = frozenset({"admin", "manager", "rep"})
WRITERS = frozenset({"admin", "ingest"})
EVERYONE = frozenset(ROLES)

RESPONSE_FILTER = "rapport.response_filter"  # ASGI scope key: a function narrowing the JSON answer
UPSTREAM_LIST_MAX = 1000  # the scoring service's largest leaderboard page
Filter = Callable[[Any], Any]


def forbidden(message: str, loc: list[str | int] | None = None) -> ApiError:
    return ApiError(403, "forbidden", message, [{"loc": loc, "msg": message}] if loc else None)


class Reach:
    """What a manager or rep key may see of the tenant's reps (the directory, read once per request)."""

    def __init__(self, request: Request, identity: Identity):
        self.request = request
        self.identity = identity
        self._reps: set[str] | None = None

    def reps(self) -> set[str]:
        if self._reps is None:
            if self.identity.role == "rep":
                self._reps = {self.identity.rep_id} if self.identity.rep_id else set()
            else:
                with read_session(self.request.app.state.session_factory) as session:
                    self._reps = reps_of_teams(session, tenant_id=self.identity.tenant_id,
                                               team_ids=self.identity.team_ids)
        return self._reps

    def check_rep(self, rep_id: str, loc: list[str | int]) -> None:
        if rep_id in self.reps():
            return
        if self.identity.role == "rep":
            raise forbidden(f"a rep key reads only its own rep ({self.identity.rep_id!r}), not {rep_id!r}", loc)
        raise forbidden(f"rep {rep_id!r} is not in one of the manager's teams "
                        f"({', '.join(self.identity.team_ids)})", loc)


Prepare = Callable[[Request, Reach], Filter | None]


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    rep_path: bool = False  # the path names a rep ({rep_id}): a rep reads itself, a manager its teams' reps
    rep_query: bool = False  # `?rep_id=` filters by rep: forced to itself for a rep, checked for a manager
    scope: Prepare | None = None  # narrows the answer of a tenant-wide list for a manager or a rep
    platform_only: bool = False  # the platform admin (bootstrap token) only


def set_query(request: Request, **changes: str) -> None:
    """Change query parameters before FastAPI reads them and before the request is forwarded."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes] + list(changes.items())
    request.scope["query_string"] = urlencode(items).encode()
    vars(request).pop("_query_params", None)  # Starlette caches the parsed query


def int_query(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise bad_request(["query", name], f"an integer from {low} to {high}")
    return value


def leaderboard(request: Request, reach: Reach) -> Filter:
    """A rep sees its own line (with its rank among all reps); a manager the reps of its teams,
    ranked among themselves. The service is asked for its largest page and the caller's `limit` is
    applied after filtering."""
    who = reach.identity
    limit = int_query(request, "limit", 50, low=1, high=UPSTREAM_LIST_MAX)
    changes = {"limit": str(UPSTREAM_LIST_MAX)}
    if who.role == "manager":
        team = request.query_params.get("team_id")
        if team is not None and team not in who.team_ids:
            raise forbidden(f"team {team!r} is not one of the manager's teams", ["query", "team_id"])
        if team is None and len(who.team_ids) == 1:
            changes["team_id"] = who.team_ids[0]
    set_query(request, **changes)
    allowed = reach.reps()

    def narrow(body: dict[str, Any]) -> dict[str, Any]:
        lines = [line for line in body.get("reps", []) if line.get("rep_id") in allowed]
        if who.role == "manager":
            for rank, line in enumerate(lines, start=1):
                line["rank"] = rank
            body["total_reps"] = len(lines)
        body["reps"] = lines[:limit]
        return body

    return narrow


def outcomes(request: Request, reach: Reach) -> Filter | None:
    """A rep sees its own group (by rep only); a manager the groups of its reps or its teams."""
    who = reach.identity
    group_by = request.query_params.get("group_by", "rep")
    if who.role == "rep" and group_by != "rep":
        raise forbidden("a rep key reads outcomes grouped by rep (its own) only", ["query", "group_by"])
    allowed = reach.reps() if group_by == "rep" else set(who.team_ids)
    name = "team_id" if group_by == "team" else "rep_id"

    def narrow(body: dict[str, Any]) -> dict[str, Any]:
        body["groups"] = [g for g in body.get("groups", []) if g.get(name) in allowed]
        return body

    return narrow


def rep_lines(request: Request, reach: Reach) -> Filter | None:
    """Per-rep lines of another team's reps are removed from the answer (aggregates stay)."""
    allowed = reach.reps()

    def narrow(body: Any) -> Any:
        return drop_other_reps(body, allowed)

    return narrow


def drop_other_reps(value: Any, allowed: set[str]) -> Any:
    """`value` without the objects in lists that name a `rep_id` outside `allowed`."""
    if isinstance(value, dict):
        return {k: drop_other_reps(v, allowed) for k, v in value.items()}
    if isinstance(value, list):
        return [drop_other_reps(v, allowed) for v in value
                if not (isinstance(v, dict) and "rep_id" in v and v["rep_id"] not in allowed)]
    return value


RULES: dict[tuple[str, str], Rule] = {
    # ingestion
    ("POST", "/v1/events"): Rule(WRITERS),
    # scoring
    ("GET", "/v1/reps/{rep_id}/score"): Rule(READERS, rep_path=True),
    ("GET", "/v1/reps/{rep_id}/score/history"): Rule(READERS, rep_path=True),
    ("GET", "/v1/reps/{rep_id}/alerts"): Rule(READERS, rep_path=True),
    ("GET", "/v1/leaderboard"): Rule(READERS, scope=leaderboard),
    ("GET", "/v1/reports/outcomes"): Rule(READERS, scope=outcomes),
    ("GET", "/v1/reports/evidence"): Rule(ANALYSTS),
    ("GET", "/v1/accounts/{account_id}/recommendation"): Rule(READERS),
    ("GET", "/v1/settings/scoring"): Rule(READERS),
    ("PUT", "/v1/settings/scoring"): Rule(ADMIN),
    # network
    ("GET", "/v1/reps/{rep_id}/network"): Rule(READERS, rep_path=True),
    ("GET", "/v1/reps/{rep_id}/conversations"): Rule(READERS, rep_path=True),
    # content
    ("GET", "/v1/content"): Rule(READERS, rep_query=True),
    ("GET", "/v1/content/{content_id}"): Rule(READERS, rep_query=True, scope=rep_lines),
    ("GET", "/v1/reps/{rep_id}/engagement-given"): Rule(READERS, rep_path=True),
    # insight
    ("GET", "/v1/accounts"): Rule(READERS),
    ("GET", "/v1/accounts/{account_id}"): Rule(READERS),
    ("GET", "/v1/signals"): Rule(READERS),
    ("GET", "/v1/settings/icp"): Rule(READERS),
    ("PUT", "/v1/settings/icp"): Rule(ADMIN),
    ("GET", "/v1/settings/quadrant"): Rule(READERS),
    ("PUT", "/v1/settings/quadrant"): Rule(ADMIN),
    # the event stream (served by the gateway; it narrows events to the caller's reach itself)
    ("GET", "/v1/stream"): Rule(READERS),
    # identity and the directory
    ("GET", "/v1/me"): Rule(EVERYONE),
    ("POST", "/v1/admin/tenants"): Rule(ADMIN, platform_only=True),
    ("GET", "/v1/admin/tenants"): Rule(ADMIN, platform_only=True),
    ("DELETE", "/v1/admin/tenants/{tenant_id}"): Rule(ADMIN, platform_only=True),
    ("POST", "/v1/admin/teams"): Rule(ADMIN),
    ("GET", "/v1/admin/teams"): Rule(ADMIN),
    ("POST", "/v1/admin/reps"): Rule(ADMIN),
    ("GET", "/v1/admin/reps"): Rule(ADMIN),
    ("GET", "/v1/admin/reps/{rep_id}"): Rule(ADMIN),
    ("POST", "/v1/admin/users"): Rule(ADMIN),
    ("GET", "/v1/admin/users"): Rule(ADMIN),
    ("POST", "/v1/admin/api-keys"): Rule(ADMIN),
    ("GET", "/v1/admin/api-keys"): Rule(ADMIN),
    ("GET", "/v1/admin/api-keys/{key_id}"): Rule(ADMIN),
    ("DELETE", "/v1/admin/api-keys/{key_id}"): Rule(ADMIN),
}

# Route families matched by prefix when no exact rule names them: imports (ingest keys load
# archives and CSVs and follow their jobs) and privacy (admin only).
PREFIX_RULES: list[tuple[str, str, Rule]] = [
    ("POST", "/v1/imports", Rule(WRITERS)),
    ("GET", "/v1/imports", Rule(WRITERS)),
    ("POST", "/v1/privacy/", Rule(ADMIN)),
    ("GET", "/v1/privacy/", Rule(ADMIN)),
]

# A route with no rule is the tenant admin's only (fails closed for the other roles);
# tests/unit/test_gateway_access.py fails for any such route.
DEFAULT = Rule(ADMIN)


def route_template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path_format", None) or request.url.path)


def rule_for(method: str, template: str) -> Rule | None:
    """The explicit rule of a route (None: no rule names it)."""
    rule = RULES.get((method, template))
    if rule is not None:
        return rule
    for rule_method, prefix, prefixed in PREFIX_RULES:
        if method == rule_method and template.startswith(prefix):
            return prefixed
    return None


def authorize(request: Request, identity: Identity) -> None:
    """403 unless the caller's role may make this request; narrows lists for a manager or a rep."""
    template = route_template(request)
    rule = rule_for(request.method, template)
    if rule is None:
        log.warning("no access rule for %s %s: admin only", request.method, template)
        rule = DEFAULT
    if rule.platform_only and not identity.platform_admin:
        raise forbidden(f"{request.method} {template} is for the platform admin (the bootstrap token) only")
    if identity.role not in rule.roles:
        raise forbidden(f"the {identity.role!r} role may not {request.method} {template}")
    if identity.role == "admin":
        return
    reach = Reach(request, identity)
    if rule.rep_path:
        reach.check_rep(request.path_params.get("rep_id", ""), ["path", "rep_id"])
    if rule.rep_query:
        asked = request.query_params.get("rep_id")
        if asked is not None:
            reach.check_rep(asked, ["query", "rep_id"])
        elif identity.role == "rep" and identity.rep_id:
            set_query(request, rep_id=identity.rep_id)
    if rule.scope is not None:
        narrow = rule.scope(request, reach)
        if narrow is not None:
            request.scope[RESPONSE_FILTER] = narrow


class ScopedResponses:
    """ASGI middleware: applies the request's `RESPONSE_FILTER` (set by `authorize`) to a 200 JSON
    answer. A body that cannot be narrowed is never passed on (502)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def narrowed(message: Message) -> None:
            nonlocal start
            narrow: Filter | None = scope.get(RESPONSE_FILTER)
            if narrow is None:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status, body = start["status"], b"".join(chunks)
            if status == 200:
                try:
                    body = jsonutil.dumps(narrow(jsonutil.loads(body)))
                except (ValueError, TypeError, AttributeError) as exc:
                    log.error("could not narrow an answer to the caller's reach", exc_info=exc)
                    status = 502
                    body = jsonutil.dumps(error_body("upstream_error", "the answer could not be narrowed "
                                                                       "to the caller's reach"))
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "status": status, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, narrowed)
