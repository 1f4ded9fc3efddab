"""Erasure of a person from the scoring read models.

The person key is replaced by a pseudonym unique to the request (`erased:<request id>`), so
distinct counts, and therefore past scores, stay as they were while nothing identifies the person;
alert evidence naming them is rewritten the same way.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from rapportkit import jsonutil
from services.scoring.models import AlertRow, FactRow, PersonAliasRow, ReferralRow, StakeholderRow


def erase_person(session: Session, *, tenant_id: str, person: str, request_id: str) -> None:
    pseudonym = f"erased:{request_id}"
    for model in (FactRow, StakeholderRow, ReferralRow):
        session.execute(update(model).where(model.tenant_id == tenant_id, model.person == person)
                        .values(person=pseudonym))
    session.execute(delete(PersonAliasRow).where(PersonAliasRow.tenant_id == tenant_id, or_(  # name ↔ URL aliases
        PersonAliasRow.weak_key == person, PersonAliasRow.strong_key == person)))
    needle = jsonutil.dumps(person).decode()
    for alert in session.scalars(select(AlertRow).where(AlertRow.tenant_id == tenant_id)):
        text = jsonutil.dumps(alert.evidence).decode()
        if needle in text:
            alert.evidence = jsonutil.loads(text.replace(needle, jsonutil.dumps(pseudonym).decode()))
