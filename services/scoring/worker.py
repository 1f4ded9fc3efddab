"""The scoring worker process (outbox relay and consumer): `uvicorn services.scoring.worker:app`."""

from rapportkit.service import worker_app
from services.scoring.spec import spec

app = worker_app(spec)
