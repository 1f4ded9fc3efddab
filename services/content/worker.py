"""The content worker process (outbox relay and consumer): `uvicorn services.content.worker:app`."""

from rapportkit.service import worker_app
from services.content.spec import spec

app = worker_app(spec)
