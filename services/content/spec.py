"""The content service: content items, shares (advocacy) and engagement attributed to buying centres."""

from rapportkit.catalog import TOPICS
from rapportkit.service import domain_spec
from services.content.api.routes import router
from services.content.events import HANDLERS
from services.content.ingest import INGEST_HANDLERS

spec = domain_spec("content", package_file=__file__, title="Rapport content service",
                   ingest_handlers=INGEST_HANDLERS, handlers=HANDLERS, routers=[router],
                   consumes=[TOPICS["insight"], TOPICS["privacy"]])
