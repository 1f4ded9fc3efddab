"""Who may call what: the route-to-role table, applied by `authenticate` (gateway/auth.py) to every
request after the caller is identified. This is all the gateway decides about access.

Roles (docs/contracts.md): `admin` reads and changes everything of its tenant; `manager` reads the reps
of its teams; `rep` reads itself; `ingest` writes events and imports and reads nothing. What a
reader sees of the reps in an answer is decided by the service that answers, with
rapportkit/access.py, from the identity the gateway signs (a manager's reach included, see
`with_reach`). Adding a read is one route in its service plus one line here. The table and the
decisions are in docs/gateway.md ("Identity and access").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from fastapi import Request

from gateway.directory import reps_of_teams
from rapportkit.access import ADMIN, ANALYSTS, EVERYONE, READERS, WRITERS, forbidden
from rapportkit.db import read_session
from rapportkit.identity import Identity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    platform_only: bool = False  # the platform admin (bootstrap token) only


RULES: dict[tuple[str, str], Rule] = {
    # ingestion
    ("POST", "/v1/events"): Rule(WRITERS),
    # scoring
    ("GET", "/v1/reps/{rep_id}/score"): Rule(READERS),
    ("GET", "/v1/reps/{rep_id}/score/history"): Rule(READERS),
    ("GET", "/v1/reps/{rep_id}/alerts"): Rule(READERS),
    ("GET", "/v1/leaderboard"): Rule(READERS),
    ("GET", "/v1/reports/outcomes"): Rule(READERS),
    ("GET", "/v1/reports/evidence"): Rule(ANALYSTS),
    ("GET", "/v1/accounts/{account_id}/recommendation"): Rule(READERS),
    ("GET", "/v1/settings/scoring"): Rule(READERS),
    ("PUT", "/v1/settings/scoring"): Rule(ADMIN),
    # network
    ("GET", "/v1/reps/{rep_id}/network"): Rule(READERS),
    ("GET", "/v1/reps/{rep_id}/conversations"): Rule(READERS),
    ("GET", "/v1/accounts/{account_id}/relationships"): Rule(READERS),
    ("GET", "/v1/people/relationships"): Rule(READERS),
    ("GET", "/v1/settings/relationships"): Rule(READERS),
    ("PUT", "/v1/settings/relationships"): Rule(ADMIN),
    # content
    ("GET", "/v1/content"): Rule(READERS),
    ("GET", "/v1/content/{content_id}"): Rule(READERS),
    ("GET", "/v1/reps/{rep_id}/engagement-given"): Rule(READERS),
    # insight
    ("GET", "/v1/accounts"): Rule(READERS),
    ("GET", "/v1/accounts/{account_id}"): Rule(READERS),
    ("GET", "/v1/signals"): Rule(READERS),
    ("GET", "/v1/settings/icp"): Rule(READERS),
    ("PUT", "/v1/settings/icp"): Rule(ADMIN),
    ("GET", "/v1/settings/quadrant"): Rule(READERS),
    ("PUT", "/v1/settings/quadrant"): Rule(ADMIN),
    # e-mail digests (who may subscribe to which scope: gateway/digests/routes.py)
    ("POST", "/v1/digests/subscriptions"): Rule(READERS),
    ("GET", "/v1/digests/subscriptions"): Rule(READERS),
    ("GET", "/v1/digests/subscriptions/{subscription_id}"): Rule(READERS),
    ("DELETE", "/v1/digests/subscriptions/{subscription_id}"): Rule(READERS),
    ("POST", "/v1/digests/send"): Rule(ADMIN),
    # the event stream (served by the gateway; it narrows events with rapportkit.access itself)
    ("GET", "/v1/stream"): Rule(READERS),
    # identity and the directory
    ("GET", "/v1/me"): Rule(EVERYONE),
    ("POST", "/v1/admin/tenants"): Rule(ADMIN, platform_only=True),
    ("GET", "/v1/admin/tenants"): Rule(ADMIN, platform_only=True),
    ("DELETE", "/v1/admin/tenants/{tenant_id}"): Rule(ADMIN, platform_only=True),
    ("GET", "/v1/privacy/tenant-deletions/{request_id}"): Rule(ADMIN, platform_only=True),
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
    # webhooks (gateway/webhooks)
    ("POST", "/v1/webhooks"): Rule(ADMIN),
    ("GET", "/v1/webhooks"): Rule(ADMIN),
    ("GET", "/v1/webhooks/{webhook_id}"): Rule(ADMIN),
    ("DELETE", "/v1/webhooks/{webhook_id}"): Rule(ADMIN),
    ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"): Rule(ADMIN),
    ("POST", "/v1/webhooks/{webhook_id}/enable"): Rule(ADMIN),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): Rule(ADMIN),
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"): Rule(ADMIN),
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
    """403 unless the caller's role may make this request."""
    template = route_template(request)
    rule = rule_for(request.method, template)
    if rule is None:
        log.warning("no access rule for %s %s: admin only", request.method, template)
        rule = DEFAULT
    if rule.platform_only and not identity.platform_admin:
        raise forbidden(f"{request.method} {template} is for the platform admin (the bootstrap token) only")
    if identity.role not in rule.roles:
        raise forbidden(f"the {identity.role!r} role may not {request.method} {template}")


def with_reach(request: Request, identity: Identity) -> Identity:
    """A manager's identity with the reps of its teams (`rep_ids`), read from the directory at each
    request, so a rep moved into or out of a team counts at once; services scope by it."""
    if identity.role != "manager" or identity.platform_admin:
        return identity
    with read_session(request.app.state.session_factory) as session:
        reps = reps_of_teams(session, tenant_id=identity.tenant_id, team_ids=identity.team_ids)
    return replace(identity, rep_ids=tuple(sorted(reps)))
