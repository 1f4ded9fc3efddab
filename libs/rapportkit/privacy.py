"""The one shape of a service's answer to an erasure request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rapportkit.envelope import Event, new_event


def erasure_completed(request: Event, *, service: str, person: dict[str, Any] | None = None) -> Event:
    """`privacy.erasure.completed` for `request` by `service` (id derived from the request's, so a
    redelivered request does not publish twice)."""
    data = request["data"]
    return new_event(
        type="rapport.privacy.erasure.completed", tenant_id=request["tenantid"], source=f"rapport/{service}",
        id=f"erasure-completed-{service}-{request['id']}", time=datetime.now(UTC), subject=data["request_id"],
        data={"request_id": data["request_id"], "person": person if person is not None else data["person"],
              "service": service})
