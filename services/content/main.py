"""The content API process: `uvicorn services.content.main:app`."""

from rapportkit.service import api_app
from services.content.spec import spec

app = api_app(spec)
