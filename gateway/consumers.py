"""What the gateway consumes (its own consumer group `gateway`) and the handlers it registers.

- `rapport.privacy.v2`: each service's `privacy.erasure.completed`, recorded on the erasure request
  (gateway/privacy.py), and each service's `privacy.tenant_deletion.completed`, recorded on the
  tenant deletion (gateway/tenant_deletion.py).

The SSE stream (gateway/stream_feed.py) reads the domain topics separately, without a consumer group.
"""

from __future__ import annotations

from gateway import privacy, tenant_deletion
from rapportkit.catalog import TOPICS
from rapportkit.consumer import Handler

CONSUMES: list[str] = [TOPICS["privacy"]]
HANDLERS: dict[str, list[Handler]] = {**privacy.HANDLERS, **tenant_deletion.HANDLERS}
