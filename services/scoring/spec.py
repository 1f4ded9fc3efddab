"""The scoring service: outcomes, scores, alerts, recommendations and evidence."""

from rapportkit.catalog import TOPICS
from rapportkit.service import domain_spec
from services.scoring.api import accounts, reports, scores, settings
from services.scoring.events import HANDLERS
from services.scoring.scorer import Scorer

spec = domain_spec("scoring", package_file=__file__, title="Rapport scoring service", domain="outcome",
                   routers=[scores.router, reports.router, accounts.router, settings.router], handlers=HANDLERS,
                   consumes=[TOPICS[d] for d in ("directory", "insight", "network", "content", "outcome", "privacy")],
                   loops=[lambda factory, consumer: Scorer(factory, consumer=consumer).run])
