"""Consumer handlers of the insight worker: privacy requests from `rapport.privacy.v2`.

Insight's own events are applied when they are accepted (ingest.py); the worker only consumes
what other parts of the platform publish to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from rapportkit import outbox
from rapportkit.envelope import Event
from rapportkit.privacy import erasure_completed
from rapportkit.tenants import REQUESTED as TENANT_DELETION
from rapportkit.tenants import tenant_deletion_handler
from services.insight.models import Base
from services.insight.privacy import erase_person

log = logging.getLogger(__name__)


def erasure_requested(session: Session, event: Event) -> None:
    data, tenant = event["data"], event["tenantid"]
    erased = erase_person(session, tenant_id=tenant, person=data["person"], request_id=data["request_id"])
    log.info("person erased", extra={"fields": {"request_id": data["request_id"], **erased}})
    outbox.add(session, erasure_completed(event, service="insight"))


HANDLERS: dict[str, list[Callable[[Session, Event], None]]] = {
    "rapport.privacy.erasure.requested": [erasure_requested],
    TENANT_DELETION: [tenant_deletion_handler("insight", Base.metadata)],
}
