"""Consumer handlers of the insight worker: privacy requests from `rapport.privacy.v1`.

Insight's own events are applied when they are accepted (ingest.py); the worker only consumes
what other parts of the platform publish to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from rapportkit import outbox
from rapportkit.envelope import Event, new_event
from services.insight.accounts import SOURCE, derived_id
from services.insight.privacy import completion_person, erase_person

log = logging.getLogger(__name__)


def erasure_requested(session: Session, event: Event) -> None:
    data, tenant = event["data"], event["tenantid"]
    erased = erase_person(session, tenant_id=tenant, person=data["person"], request_id=data["request_id"])
    log.info("person erased", extra={"fields": {"request_id": data["request_id"], **erased}})
    outbox.add(session, new_event(
        type="rapport.privacy.erasure.completed", tenant_id=tenant, source=SOURCE, time=datetime.now(UTC),
        id=derived_id("erasure-completed", tenant, event["id"]), subject=data["request_id"],
        data={"request_id": data["request_id"], "person": completion_person(data["person"]),
              "service": "insight"}))


HANDLERS: dict[str, list[Callable[[Session, Event], None]]] = {
    "rapport.privacy.erasure.requested": [erasure_requested],
}
