"""Consumer handlers of the network worker (event-carried state transfer, never a call):

* ``rapport.insight.v2``: accounts and stakeholders, the buying centres coverage is measured on;
* ``rapport.content.v2``: the engagements of people with the reps' content, a factor of the
  relationship strength (docs/relationships.md);
* ``rapport.privacy.v2``: erasure of a person, then ``privacy.erasure.completed``.

State that can arrive out of order keeps the latest by event time; at equal times the later
arrival wins, as in the insight service (its events of one account share a partition, so this
service applies them in the order insight did).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rapportkit import aliases, outbox
from rapportkit.consumer import handlers
from rapportkit.db import utc
from rapportkit.envelope import Event, parse_time
from rapportkit.people import erasure_keys, person_key_or_none
from rapportkit.privacy import erasure_completed
from rapportkit.tenants import tenant_deletion_handler
from services.network.models import AccountRow, Base, EngagementRow, PersonAliasRow, StakeholderRow
from services.network.privacy import erase_person

SOURCE = "rapport/network"
SERVICE = "network"


def account_upserted(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    row = session.get(AccountRow, (event["tenantid"], data["account_id"]))
    if row is None:
        session.add(AccountRow(tenant_id=event["tenantid"], account_id=data["account_id"], name=data["name"],
                               tier=data["tier"], changed_at=at))
    elif at >= utc(row.changed_at):
        row.name, row.tier, row.changed_at = data["name"], data["tier"], at


def stakeholder_changed(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    identified = event["type"].endswith(".identified")
    row = session.get(StakeholderRow, (event["tenantid"], data["stakeholder_id"]))
    if row is None:
        row = StakeholderRow(tenant_id=event["tenantid"], stakeholder_id=data["stakeholder_id"],
                             account_id=data["account_id"], role="unknown", active=identified, changed_at=at)
        session.add(row)
    elif at >= utc(row.changed_at):
        row.active, row.changed_at, row.account_id = identified, at, data["account_id"]
    if identified and (row.identified_at is None or at >= utc(row.identified_at)):
        # the latest identification describes the person, even when a later departure deactivated them
        row.person_key = person_key_or_none(data["person"])
        aliases.learn_at_commit(session, PersonAliasRow, event["tenantid"], data["person"])
        row.role, row.seniority = data["role"], data.get("seniority")
        row.person = data["person"]
        row.identified_at = at
        if utc(row.changed_at) == at:
            row.account_id = data["account_id"]


def engagement_recorded(session: Session, event: Event) -> None:
    """Someone engaged with a rep's content: one row per event (the inbox keeps it once)."""
    data = event["data"]
    key = person_key_or_none(data.get("person"))
    if key is None:
        return
    aliases.learn_at_commit(session, PersonAliasRow, event["tenantid"], data["person"])
    session.add(EngagementRow(tenant_id=event["tenantid"], event_id=event["id"], rep_id=data["rep_id"],
                              person_key=key, kind=data["kind"], at=parse_time(event["time"])))


def erasure_requested(session: Session, event: Event) -> None:
    data = event["data"]
    for key in sorted(erasure_keys(data["person"])):
        erase_person(session, tenant_id=event["tenantid"], person=key, request_id=data["request_id"])
    outbox.add(session, erasure_completed(event, service=SERVICE))


HANDLERS = handlers({
    "insight.account.upserted": account_upserted,
    "insight.stakeholder.identified": stakeholder_changed,
    "insight.stakeholder.departed": stakeholder_changed,
    "content.engagement.recorded": engagement_recorded,
    "privacy.erasure.requested": erasure_requested,
    "privacy.tenant_deletion.requested": tenant_deletion_handler(SERVICE, Base.metadata),
})
