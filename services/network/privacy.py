"""Erasure of a person from the network service (``privacy.erasure.requested``).

The person key is replaced everywhere by a pseudonym unique to the request (``erased:<request
id>``), so every count (connections, conversations, two-way, coverage, meetings) stays as it was
while nothing identifies the person:

* messages to or from them lose their text (their length, direction, time and pitch verdict stay);
* connections and meetings lose the person's details (name, title, URL, email);
* the stakeholder read model keeps the pseudonym and loses the person's details, so coverage and
  the relationship map still match the pseudonymised connections and messages;
* engagements with the reps' content keep the pseudonym (a factor of relationship strength);
* a rep who knew them under two keys (by name, then by URL) keeps one connection: the two rows
  are folded into the pseudonym's; the aliases of their name are forgotten;
* outbox rows and published events hold the person only sealed (rapportkit.sealing): the keys the
  gateway destroys once the erasure is complete shred them (docs/privacy.md, "The event log").
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from rapportkit.privacy import pseudonym
from services.network import connections as C
from services.network.models import (
    ConnectionRow,
    EngagementRow,
    MeetingRow,
    MessageRow,
    PersonAliasRow,
    StakeholderRow,
)


def _rename_connections(session: Session, *, tenant_id: str, person: str, alias: str) -> int:
    """Connections are keyed by person: a rep who knew the person under two keys (by name, then by
    URL) has two rows, which both become the pseudonym's, so the second is folded into the first."""
    rows = session.execute(select(ConnectionRow.rep_id).where(
        ConnectionRow.tenant_id == tenant_id, ConnectionRow.person_key == person)).scalars().all()
    for rep_id in rows:
        row = session.get(ConnectionRow, (tenant_id, rep_id, person))
        kept = session.get(ConnectionRow, (tenant_id, rep_id, alias))
        assert row is not None
        if kept is None:
            session.execute(update(ConnectionRow).where(
                ConnectionRow.tenant_id == tenant_id, ConnectionRow.rep_id == rep_id,
                ConnectionRow.person_key == person).values(person_key=alias, person=None))
            session.expire(row)
            continue
        history = C.merge(kept.history(), row.history())
        kept.store(history, C.status(history))
        session.delete(row)
        session.flush()
    return len(rows)


def erase_person(session: Session, *, tenant_id: str, person: str, request_id: str) -> dict[str, int]:
    """Erase `person` (a person key) in the caller's transaction; returns how many rows of each kind."""
    alias = pseudonym(request_id)
    touched = {"connections": _rename_connections(session, tenant_id=tenant_id, person=person, alias=alias)}
    changes: list[tuple[str, Any, dict[str, Any]]] = [
        ("messages", MessageRow, {"person_key": alias, "text": None}),
        ("meetings", MeetingRow, {"person_key": alias, "person": None}),
        ("stakeholders", StakeholderRow, {"person_key": alias, "person": None}),
        ("engagements", EngagementRow, {"person_key": alias}),
    ]
    for name, model, values in changes:
        result = session.execute(update(model).where(model.tenant_id == tenant_id, model.person_key == person)
                                 .values(**values))
        touched[name] = cast(CursorResult[Any], result).rowcount
    forgotten = session.execute(delete(PersonAliasRow).where(  # the name ↔ URL aliases of the person
        PersonAliasRow.tenant_id == tenant_id,
        or_(PersonAliasRow.weak_key == person, PersonAliasRow.strong_key == person)))
    touched["aliases"] = cast(CursorResult[Any], forgotten).rowcount
    return touched
