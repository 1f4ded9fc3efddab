"""The network API process: `uvicorn services.network.main:app`."""

from rapportkit.service import api_app
from services.network.spec import spec

app = api_app(spec)
