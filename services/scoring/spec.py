"""The scoring service: outcomes, scores, alerts, recommendations and evidence."""

from rapportkit.catalog import TOPICS
from rapportkit.service import domain_spec
from services.scoring.api.routes import router
from services.scoring.events import HANDLERS

spec = domain_spec("scoring", package_file=__file__, title="Rapport scoring service", domain="outcome",
                   routers=[router], handlers=HANDLERS,
                   consumes=[TOPICS[d] for d in ("insight", "network", "content", "outcome")])
