"""Erasure of a person from the insight service (docs/insight.md "Privacy").

The person is matched by every key the request gives (the normalised profile URL and the
lowercased email, whichever are present), and by the other keys the service holds for them: a
stakeholder record or a signal found by the email also gives the profile URL (and the full name,
for notes), and the other way round. Then:
- stakeholders: identity fields (profile URL, email, name, title, company) are cleared and the
  person key becomes the pseudonym `erased:<request id>`; role, seniority, active state and
  dates stay, so buying-centre sizes, coverage and quadrants do not change;
- profile views of them and signals about them: person key pseudonymised, signal identity cleared;
- notes: a note linked to them (`data.person` of `insight.note.recorded`) or whose text mentions
  them — their profile URL, e-mail, or full name (two words or more, from the request or from their
  stakeholder records) — has its text replaced by `[erased]`; the note itself (rep, account,
  time) stays, so research counts do not change;
- the service's outbox and the topics hold the person only sealed: the keys the gateway destroys
  once the erasure is complete shred them, and the keys of redacted notes' texts are destroyed
  here (docs/privacy.md, "The event log").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from rapportkit.people import erasure_keys, strong_keys, weak_key
from rapportkit.privacy import REDACTED
from rapportkit.sealing import forget_texts
from services.insight.models import Note, PersonAlias, ProfileView, Signal, Stakeholder


@dataclass(frozen=True)
class Target:
    """Who is to be erased: the keys to match and the full names to look for in free text."""

    keys: frozenset[str]
    names: frozenset[str] = field(default_factory=frozenset)

    def with_names(self, names: list[str | None]) -> Target:
        return Target(self.keys, self.names | {n for n in (full_name(x) for x in names) if n})

    def with_keys(self, people: list[dict[str, Any]]) -> Target:
        return Target(self.keys.union(*(person_keys(p) for p in people)), self.names)

    def matches(self, person: Any) -> bool:
        if not isinstance(person, dict):
            return False
        return bool(person_keys(person) & self.keys)


def full_name(name: str | None) -> str | None:
    """A name worth searching free text for: two words or more (a lone first name is too common)."""
    words = (name or "").split()
    return " ".join(words).casefold() if len(words) >= 2 else None


def person_keys(person: dict[str, Any]) -> frozenset[str]:
    """Every key a stored person dict is known by: its normalised profile URL and its email, or the
    weak key of its name (and company) when it has neither."""
    keys = strong_keys(person)
    named = weak_key(person.get("name"), person.get("company")) if not keys else None
    return keys | {named} if named else keys


def target_of(person: dict[str, Any]) -> Target:
    return Target(erasure_keys(person)).with_names([person.get("name")])


def mentions(text: str, target: Target) -> bool:
    """Whether free text names the person: a key (URL or email) or a full name, case-insensitive,
    not as part of a longer word (`linkedin.com/in/ada` does not match `…/in/adam`)."""
    folded = text.casefold()
    for key in target.keys:
        if re.search(r"(?<![\w-])" + re.escape(key) + r"(?![\w-])", folded):
            return True
    for name in target.names:
        pattern = r"\s+".join(re.escape(w) for w in name.split())
        if re.search(r"(?<!\w)" + pattern + r"(?!\w)", folded):
            return True
    return False


def erase_person(session: Session, *, tenant_id: str, person: dict[str, Any], request_id: str) -> dict[str, int]:
    """Erase the person from every table of the service; counts of what was erased."""
    target = target_of(person)
    if not target.keys:  # a request whose person has no usable key names nobody here
        return {"stakeholders": 0, "profile_views": 0, "signals": 0, "notes": 0}
    pseudonym = f"erased:{request_id}"
    at = datetime.now(UTC)
    # what the service knows about the person adds keys: erasing by email also finds the profile
    # URL a stakeholder record or a signal has for them (and their full name, for notes)
    for _ in range(2):
        stakeholders = _stakeholders(session, tenant_id, target)
        signals = _signals(session, tenant_id, target)
        known = [*({"profile_url": s.profile_url, "email": s.email} for s in stakeholders),
                 *(s.person for s in signals if s.person)]
        target = target.with_keys(known).with_names([*(s.name for s in stakeholders),
                                                     *((s.person or {}).get("name") for s in signals)])
    stakeholders = _stakeholders(session, tenant_id, target)
    signals = _signals(session, tenant_id, target)
    for row in stakeholders:
        row.person_key, row.erased_at = pseudonym, at
        row.profile_url = row.email = row.name = row.title = row.company = None
    for signal in signals:
        signal.person_key, signal.person = pseudonym, None
    views = _updated(session, update(ProfileView).where(ProfileView.tenant_id == tenant_id,
                                                        ProfileView.person_key.in_(target.keys))
                     .values(person_key=pseudonym))
    redacted: list[str] = []
    for note in session.scalars(select(Note).where(Note.tenant_id == tenant_id, Note.redacted_at.is_(None))):
        linked = note.person_key in target.keys
        if linked or mentions(note.text, target):
            note.text, note.redacted_at = REDACTED, at
            if linked:
                note.person_key = pseudonym
            redacted.append(note.event_id)
    notes = len(redacted)
    forget_texts(tenant_id, redacted)  # their events' text on the topics: shredded (docs/privacy.md)
    session.execute(delete(PersonAlias).where(PersonAlias.tenant_id == tenant_id, or_(  # their name ↔ URL aliases
        PersonAlias.weak_key.in_(target.keys), PersonAlias.strong_key.in_(target.keys))))
    return {"stakeholders": len(stakeholders), "profile_views": views, "signals": len(signals), "notes": notes}


def _stakeholders(session: Session, tenant_id: str, target: Target) -> list[Stakeholder]:
    return list(session.scalars(select(Stakeholder).where(
        Stakeholder.tenant_id == tenant_id,
        or_(Stakeholder.person_key.in_(target.keys), func.lower(Stakeholder.email).in_(target.keys)))))


def _signals(session: Session, tenant_id: str, target: Target) -> list[Signal]:
    rows = session.scalars(select(Signal).where(Signal.tenant_id == tenant_id, Signal.person_key.is_not(None)))
    return [s for s in rows if s.person_key in target.keys or target.matches(s.person)]


def _updated(session: Session, stmt: Any) -> int:
    result: Any = session.execute(stmt)
    return int(result.rowcount or 0)
