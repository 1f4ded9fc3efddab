"""The insight service: accounts, ICP, buying centres, signals and rep research."""

from rapportkit.catalog import TOPICS
from rapportkit.service import domain_spec
from services.insight.api.routes import router
from services.insight.events import HANDLERS
from services.insight.ingest import INGEST_HANDLERS

spec = domain_spec("insight", package_file=__file__, title="Rapport insight service",
                   ingest_handlers=INGEST_HANDLERS, routers=[router], handlers=HANDLERS,
                   consumes=[TOPICS["privacy"]])
