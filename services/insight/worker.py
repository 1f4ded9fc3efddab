"""The insight worker process (outbox relay and consumer): `uvicorn services.insight.worker:app`."""

from rapportkit.service import worker_app
from services.insight.spec import spec

app = worker_app(spec)
