"""The insight API process: `uvicorn services.insight.main:app`."""

from rapportkit.service import api_app
from services.insight.spec import spec

app = api_app(spec)
