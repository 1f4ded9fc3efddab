"""The scoring API process: `uvicorn services.scoring.main:app`."""

from rapportkit.service import api_app
from services.scoring.spec import spec

app = api_app(spec)
