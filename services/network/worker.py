"""The network worker process (outbox relay and consumer): `uvicorn services.network.worker:app`."""

from rapportkit.service import worker_app
from services.network.spec import spec

app = worker_app(spec)
