"""Consumer handlers of the content service: its copy of the buying centres and privacy erasure.

The content worker never calls the insight service: it keeps the stakeholders and accounts it needs
from `rapport.insight.v2` (event-carried state transfer). Handlers are idempotent under the
consumer's inbox and tolerate out-of-order arrival: each field keeps the value of the latest event
by event time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rapportkit import outbox
from rapportkit.consumer import handlers
from rapportkit.db import insert_ignore, utc
from rapportkit.envelope import Event, parse_time
from rapportkit.people import erasure_keys
from rapportkit.privacy import erasure_completed
from rapportkit.tenants import tenant_deletion_handler
from services.content.ingest import person_keys
from services.content.models import Base, InsightAccount, InsightStakeholder
from services.content.privacy import erase_person

SOURCE = "rapport/content"
SERVICE = "content"


def _stakeholder(session: Session, tenant: str, stakeholder_id: str, account_id: str) -> InsightStakeholder:
    insert_ignore(session, InsightStakeholder, {"tenant_id": tenant, "stakeholder_id": stakeholder_id,
                                                "account_id": account_id, "role": "unknown"},
                  keys=["tenant_id", "stakeholder_id"])
    row = session.get(InsightStakeholder, (tenant, stakeholder_id))
    assert row is not None
    return row


def stakeholder_identified(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    row = _stakeholder(session, event["tenantid"], data["stakeholder_id"], data["account_id"])
    if row.identified_at is not None and utc(row.identified_at) > at:
        return  # an older identification arriving late
    person = data["person"]
    row.person_key, row.email_key = person_keys(person)
    row.name, row.title = person.get("name") or None, person.get("title") or None
    row.account_id, row.role, row.seniority = data["account_id"], data["role"], data.get("seniority")
    row.identified_at = at


def stakeholder_departed(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    row = _stakeholder(session, event["tenantid"], data["stakeholder_id"], data["account_id"])
    if row.departed_at is None or at > utc(row.departed_at):
        row.departed_at = at


def account_upserted(session: Session, event: Event) -> None:
    data, at, tenant = event["data"], parse_time(event["time"]), event["tenantid"]
    insert_ignore(session, InsightAccount, {"tenant_id": tenant, "account_id": data["account_id"]},
                  keys=["tenant_id", "account_id"])
    row = session.get(InsightAccount, (tenant, data["account_id"]))
    assert row is not None
    if row.changed_at is not None and utc(row.changed_at) > at:
        return
    row.name, row.tier, row.industry, row.changed_at = data["name"], data["tier"], data.get("industry"), at


def erasure_requested(session: Session, event: Event) -> None:
    data = event["data"]
    erase_person(session, tenant_id=event["tenantid"], keys=set(erasure_keys(data["person"])),
                 request_id=data["request_id"])
    outbox.add(session, erasure_completed(event, service=SERVICE))


HANDLERS = handlers({
    "insight.stakeholder.identified": stakeholder_identified,
    "insight.stakeholder.departed": stakeholder_departed,
    "insight.account.upserted": account_upserted,
    "privacy.erasure.requested": erasure_requested,
    "privacy.tenant_deletion.requested": tenant_deletion_handler(SERVICE, Base.metadata),
})
