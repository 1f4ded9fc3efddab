"""Public read routes, one module per owning service; each forwards unchanged to its service.

Every route is declared here explicitly (not a catch-all proxy) so the gateway's OpenAPI lists
the whole public API.
"""

from fastapi import APIRouter

from gateway.routes import content, insight, network, scoring

ROUTERS: list[APIRouter] = [insight.router, network.router, content.router, scoring.router]
