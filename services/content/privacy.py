"""Erasure of a person from the content service.

Every row naming the person (by person key or email) gets the pseudonym `erased:<request id>` in
place of the key, and loses the name, title, email and (for engagement given) the link to the
person's post. Counts stay as they were: the pseudonym is one distinct person, and an erased
stakeholder keeps role and account, so the item's score and its per-account counts do not move,
but nobody is named any more.
"""

from __future__ import annotations

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from services.content.models import EngagementGiven, EngagementReceived, InsightStakeholder
from services.content.ranking import ERASED_PREFIX


def erase_person(session: Session, *, tenant_id: str, keys: set[str], request_id: str) -> None:
    if not keys:
        return
    pseudonym = f"{ERASED_PREFIX}{request_id}"[:2000]
    chosen = list(keys)
    session.execute(
        update(EngagementReceived)
        .where(EngagementReceived.tenant_id == tenant_id,
               or_(EngagementReceived.person_key.in_(chosen), EngagementReceived.email_key.in_(chosen)))
        .values(person_key=pseudonym, email_key=None, person_name=None))
    session.execute(
        update(InsightStakeholder)
        .where(InsightStakeholder.tenant_id == tenant_id,
               or_(InsightStakeholder.person_key.in_(chosen), InsightStakeholder.email_key.in_(chosen)))
        .values(person_key=pseudonym, email_key=None, name=None, title=None))
    session.execute(
        update(EngagementGiven)
        .where(EngagementGiven.tenant_id == tenant_id,
               or_(EngagementGiven.person_key.in_(chosen), EngagementGiven.email_key.in_(chosen)))
        .values(person_key=pseudonym, email_key=None, person_name=None, link=None))
