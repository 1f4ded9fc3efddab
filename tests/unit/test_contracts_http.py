"""The HTTP contracts: every success answer of the gateway's OpenAPI has a schema, the gateway and the
owning service declare the same model for each forwarded route, the models leave the handlers' JSON
as it was, and the gateway imports no service code (docs/architecture.md, "Public HTTP contracts")."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from gateway import contracts
from gateway.routes import ROUTERS
from rapportkit.contracts.content import EngagementGiven
from rapportkit.contracts.insight import AccountSummary
from rapportkit.contracts.scoring import Outcomes, ScoreRead

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("insight", "network", "content", "scoring")


def _routes(routers: Any) -> dict[tuple[str, str], APIRoute]:
    return {(method, route.path): route for router in routers for route in router.routes
            if isinstance(route, APIRoute) for method in route.methods or ()}


def test_every_success_answer_in_the_gateways_openapi_has_a_schema() -> None:
    doc = contracts.openapi_document()
    undocumented = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
            assert successes, f"{method.upper()} {path} documents no success answer"
            for code, response in successes.items():
                content = response.get("content") or {}
                if not content or not all(media.get("schema") for media in content.values()):
                    undocumented.append(f"{method.upper()} {path} {code}")
    assert not undocumented, f"success answers without a schema: {undocumented}"


@pytest.fixture(scope="module")
def service_routes() -> dict[str, dict[tuple[str, str], APIRoute]]:
    """Each service's public routes, from its spec (which reads its settings on import)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAPPORT_INTERNAL_SECRET", "unit-test-secret-of-32-characters")
        return {name: _routes(importlib.import_module(f"services.{name}.spec").spec.routers) for name in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_every_public_route_of_a_service_declares_its_model(
        service: str, service_routes: dict[str, dict[tuple[str, str], APIRoute]]) -> None:
    routes = service_routes[service]
    assert routes
    assert not [key for key, route in routes.items() if route.response_model is None]


def test_the_gateway_forwards_each_route_with_the_owning_services_model(
        service_routes: dict[str, dict[tuple[str, str], APIRoute]]) -> None:
    owners = {key: route for routes in service_routes.values() for key, route in routes.items()}
    forwarded = _routes(ROUTERS)
    assert len(forwarded) == 25  # the 25 operations the four services answer behind the gateway
    for key, route in forwarded.items():
        assert key in owners, f"{key} is forwarded but no service serves it"
        assert route.response_model is owners[key].response_model, key


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_gateway_imports_no_service_code() -> None:
    files = sorted((REPO / "gateway").rglob("*.py"))
    assert len(files) > 20
    found = [f"{path.relative_to(REPO)}: {name}" for path in files for name in _imports(path)
             if name == "services" or name.startswith("services.")]
    assert not found, f"the gateway imports service code (use rapportkit.contracts): {found}"


@pytest.mark.parametrize("model, body", [
    (AccountSummary, {"account_id": "a1", "name": "Acme", "tier": "key", "industry": None, "employees": 250,
                      "region": "EMEA", "revenue": 5000000, "icp_fit": 1, "customer_status": "high",
                      "buying_centre": {"size": 3, "class": "small"}, "quadrant": "high_status_small_centre",
                      "updated_at": "2026-11-20T10:00:00Z"}),
    (ScoreRead, {"rep_id": "ann", "date": "2026-11-20", "total": 0, "pillars": {"insight": 0, "connect": 2.5,
                 "engage": 0, "brand": 1}, "factors": [{"pillar": "insight", "name": "signals_actioned", "raw": 0,
                 "saturation": 0.0, "weight": 6, "contribution": 0}], "formula_version": "2", "window_days": 30}),
    (Outcomes, {"group_by": "team", "from": None, "to": "2026-11-20", "attribution_window_days": 90,
                "groups": [{"team_id": "east", "leads": 1, "qualified": 0, "opportunities": 2, "won": 1, "lost": 0,
                            "win_rate": 1.0, "median_cycle_days": 12, "won_amount": 1000, "referrals": 0,
                            "socially_influenced": 0.5, "influenced_win_rate": None, "other_win_rate": 1.0}]}),
    (EngagementGiven, {"rep_id": "ann", "from": "2026-11-01", "to": None, "total": 0, "by_kind": {},
                       "stakeholders": [], "anonymous_stakeholders": 0, "by_account": [], "unknown_people": 0,
                       "without_person": 0}),
])
def test_a_model_leaves_the_handlers_json_as_it_was(model: type[Any], body: dict[str, Any]) -> None:
    """Ints stay ints in number fields (`0`, not `0.0`), formatted times stay as written, `class` and
    `from` keep their names, and a group keyed by team gains no `rep_id` (key order aside)."""
    adapter = TypeAdapter(model)
    answered = json.loads(adapter.dump_json(adapter.validate_python(body), by_alias=True))
    assert json.dumps(answered, sort_keys=True) == json.dumps(body, sort_keys=True)
