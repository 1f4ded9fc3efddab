"""Reads of the team relationship map (docs/relationships.md): who on the team knows a person, and
how well, from the facts this service holds — connections, messages, meetings, and engagements with
the reps' content consumed from ``rapport.content.v2``.

A person is every key they are stored under: their strong key and the weak (name) keys that alias to
it (rapportkit.aliases), so a rep who knew them by name and another who knew them by URL both count.
Every query is by person key (indexed on each table), so a map costs a handful of indexed reads
whatever the size of the tenant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, case, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from rapportkit import access, aliases
from rapportkit.catalog import ROLES
from rapportkit.db import chunks, utc
from rapportkit.envelope import format_time
from rapportkit.errors import bad_request, not_found
from rapportkit.identity import Identity
from rapportkit.people import person_key
from services.network import strength as S
from services.network.connections import ratio
from services.network.models import (
    AccountRow,
    ConnectionRow,
    EngagementRow,
    MeetingRow,
    MessageRow,
    PersonAliasRow,
    StakeholderRow,
)
from services.network.settings import relationship_settings

NAMED_ROLES = [r for r in ROLES if r != "unknown"]


def person_keys(session: Session, tenant_id: str, keys: Iterable[str]) -> dict[str, str]:
    """Every stored key of these people → the person's one key (the strong key where an alias is
    known): the keys themselves, their resolved strong keys, and the weak keys aliased to those."""
    keys = {k for k in keys if k}
    resolved = aliases.resolve(session, PersonAliasRow, tenant_id, keys)
    found = {key: resolved.get(key, key) for key in keys}
    canonical = set(found.values())
    found.update(aliases.weak_of(session, PersonAliasRow, tenant_id, canonical))
    found.update({key: key for key in canonical})
    return found


@dataclass
class _Pair:
    connected: bool = False
    conversations: dict[str, list[int]] = field(default_factory=dict)  # id → [sent, received]
    meetings_held: int = 0
    engagements: int = 0
    last_touch: datetime | None = None

    def touch(self, *times: datetime | None) -> None:
        for at in times:
            at = utc(at)
            if at is not None and (self.last_touch is None or at > self.last_touch):
                self.last_touch = at

    def facts(self) -> S.Facts:
        return S.Facts(connected=self.connected, meetings_held=self.meetings_held, engagements=self.engagements,
                       two_way_conversations=sum(1 for sent, got in self.conversations.values() if sent and got),
                       last_touch=self.last_touch)


def _facts_query(tenant_id: str, chunk: list[str]) -> Any:
    """One statement for the four kinds of facts (a round trip each would be most of a map's time):
    rows of (kind, rep, person key, conversation, n, m, t1, t2, t3, t4)."""
    null_time, null_text = null().cast(DateTime(timezone=True)), null().cast(String)
    zero = literal(0, Integer)
    connections = select(
        literal("connection"), ConnectionRow.rep_id, ConnectionRow.person_key, null_text,
        case((ConnectionRow.status == "accepted", 1), else_=0), zero, ConnectionRow.accepted_at,
        ConnectionRow.last_requested_at, ConnectionRow.declined_at, ConnectionRow.withdrawn_at,
    ).where(ConnectionRow.tenant_id == tenant_id, ConnectionRow.person_key.in_(chunk))
    messages = select(
        literal("message"), MessageRow.rep_id, MessageRow.person_key, MessageRow.conversation_id,
        func.sum(case((MessageRow.outbound, 1), else_=0)), func.sum(case((MessageRow.outbound, 0), else_=1)),
        func.max(MessageRow.at), null_time, null_time, null_time,
    ).where(MessageRow.tenant_id == tenant_id, MessageRow.person_key.in_(chunk)).group_by(
        MessageRow.rep_id, MessageRow.person_key, MessageRow.conversation_id)
    meetings = select(
        literal("meeting"), MeetingRow.rep_id, MeetingRow.person_key, null_text,
        case((MeetingRow.held_at.is_not(None), 1), else_=0), zero, MeetingRow.booked_at, MeetingRow.held_at,
        null_time, null_time,
    ).where(MeetingRow.tenant_id == tenant_id, MeetingRow.person_key.in_(chunk))
    engagements = select(
        literal("engagement"), EngagementRow.rep_id, EngagementRow.person_key, null_text, func.count(), zero,
        func.max(EngagementRow.at), null_time, null_time, null_time,
    ).where(EngagementRow.tenant_id == tenant_id, EngagementRow.person_key.in_(chunk)).group_by(
        EngagementRow.rep_id, EngagementRow.person_key)
    return union_all(connections, messages, meetings, engagements)


def load_facts(session: Session, tenant_id: str, keymap: dict[str, str]) -> dict[tuple[str, str], S.Facts]:
    """(rep, person) → what the rep has with the person, for every person of `keymap`."""
    pairs: dict[tuple[str, str], _Pair] = defaultdict(_Pair)
    for chunk in chunks(keymap):
        for kind, rep, key, conversation, n, m, *times in session.execute(_facts_query(tenant_id, chunk)):
            pair = pairs[(rep, keymap[key])]
            pair.touch(*times)
            if kind == "connection":
                pair.connected = pair.connected or bool(n)
            elif kind == "message":
                counts = pair.conversations.setdefault(conversation, [0, 0])
                counts[0] += int(n or 0)
                counts[1] += int(m or 0)
            elif kind == "meeting":
                pair.meetings_held += int(n)
            else:
                pair.engagements += int(n)
    return {key: pair.facts() for key, pair in pairs.items()}


def _reps(identity: Identity, facts: dict[tuple[str, str], S.Facts], person: str | None, *, now: datetime,
          half_life: float) -> list[dict[str, Any]]:
    """The reps who know `person`, strongest first (ties by rep id). Strength, factors and last touch
    are shown for the reps within the caller's reach (rapportkit.access): an admin's every rep, a
    manager's teams, a rep itself; for the others only that they know the person."""
    found = []
    for (rep, who), known in facts.items():
        if who != person or not S.knows(known):
            continue
        found.append({"rep_id": rep, **S.strength(known, now=now, half_life_days=half_life),
                      "last_touch": format_time(known.last_touch) if known.last_touch else None})
    found.sort(key=lambda r: (-r["strength"], r["rep_id"]))
    for entry in found:
        if not access.sees_rep(identity, entry["rep_id"]):
            entry.update(strength=None, factors=None, last_touch=None)
    return found


def account_relationships(session: Session, identity: Identity, account_id: str) -> dict[str, Any]:
    """`GET /v1/accounts/{account_id}/relationships`; 404 for an account the service knows nothing of."""
    tenant = identity.tenant_id
    account = session.get(AccountRow, (tenant, account_id))
    members = session.scalars(select(StakeholderRow).where(
        StakeholderRow.tenant_id == tenant, StakeholderRow.account_id == account_id,
        StakeholderRow.identified_at.is_not(None))).all()
    if account is None and not members:
        raise not_found(f"account {account_id!r}")
    keymap = person_keys(session, tenant, (s.person_key for s in members if s.person_key))
    facts = load_facts(session, tenant, keymap)
    half_life = relationship_settings(session, tenant).half_life_days
    now = datetime.now(UTC)

    def entry(s: StakeholderRow) -> dict[str, Any]:
        person = keymap.get(s.person_key) if s.person_key else None
        return {"stakeholder_id": s.stakeholder_id, "role": s.role, "person_key": s.person_key, "person": s.person,
                "departed_at": None if s.active else format_time(utc(s.changed_at) or now),
                "reps": _reps(identity, facts, person, now=now, half_life=half_life)}

    order = {role: n for n, role in enumerate(ROLES)}
    members = sorted(members, key=lambda s: (order.get(s.role, len(ROLES)), s.stakeholder_id))
    active = [entry(s) for s in members if s.active]
    reached = {s["role"] for s in active if s["reps"]}
    known = sum(1 for s in active if s["reps"])
    return {
        "account_id": account_id, "name": account.name if account else None,
        "tier": account.tier if account else None, "half_life_days": half_life,
        "stakeholders": active, "uncovered": [s for s in active if not s["reps"]],
        "coverage": {"stakeholders": len(active), "known": known, "share": ratio(known, len(active))},
        "roles_uncovered": [r for r in NAMED_ROLES if r not in reached],
        "departed": [entry(s) for s in members if not s.active],
    }


def person_relationships(session: Session, identity: Identity, *, profile_url: str | None,
                         email: str | None) -> dict[str, Any]:
    """`GET /v1/people/relationships?profile_url=…` (or `email=…`): who on the team knows the person."""
    if (profile_url is None) == (email is None):
        raise bad_request(["query", "profile_url"], "give the person's profile_url or email (one of them)")
    loc: list[str | int] = ["query", "profile_url"] if profile_url else ["query", "email"]
    given = {"profile_url": profile_url} if profile_url else {"email": email}
    try:
        key = person_key(given)
    except ValueError as exc:
        raise bad_request(loc, "not a usable profile URL or e-mail") from exc
    tenant = identity.tenant_id
    keymap = person_keys(session, tenant, [key])
    person = keymap[key]
    keys = sorted(keymap)
    stakeholders = session.scalars(select(StakeholderRow).where(
        StakeholderRow.tenant_id == tenant, StakeholderRow.person_key.in_(keys),
        StakeholderRow.identified_at.is_not(None)).order_by(StakeholderRow.account_id,
                                                            StakeholderRow.stakeholder_id)).all()
    named = next((s.person for s in stakeholders if s.person), None) or session.scalar(
        select(ConnectionRow.person).where(ConnectionRow.tenant_id == tenant, ConnectionRow.person_key.in_(keys),
                                           ConnectionRow.person.is_not(None))
        .order_by(ConnectionRow.person_at.desc().nulls_last()).limit(1))
    half_life = relationship_settings(session, tenant).half_life_days
    return {"person_key": person, "person": named, "half_life_days": half_life,
            "stakeholder_of": [{"account_id": s.account_id, "stakeholder_id": s.stakeholder_id, "role": s.role,
                                "active": s.active} for s in stakeholders],
            "reps": _reps(identity, load_facts(session, tenant, keymap), person, now=datetime.now(UTC),
                          half_life=half_life)}
