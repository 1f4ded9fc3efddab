"""The network service: connections, conversations and messages (with pitch detection),
meetings, buying-centre coverage from the insight service's stakeholder events, and the team
relationship map (with the engagements of the content service's events)."""

from rapportkit.catalog import TOPICS
from rapportkit.service import domain_spec
from services.network.api.relationships import router as relationships_router
from services.network.api.routes import router
from services.network.events import HANDLERS
from services.network.ingest import INGEST_HANDLERS

spec = domain_spec("network", package_file=__file__, title="Rapport network service",
                   routers=[router, relationships_router], ingest_handlers=INGEST_HANDLERS, handlers=HANDLERS,
                   consumes=[TOPICS[d] for d in ("insight", "content", "privacy")])
