"""Read functions of the network service: load a rep's rows, hand them to the pure metrics.

Everything is computed from the stored events' times at read time, so history that arrived out of
order reads the same as history that arrived in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from rapportkit import aliases
from rapportkit.db import chunks, utc
from rapportkit.errors import not_found
from rapportkit.people import is_weak
from services.network import connections as C
from services.network import conversations as V
from services.network import coverage as G
from services.network.models import AccountRow, ConnectionRow, MeetingRow, MessageRow, PersonAliasRow, StakeholderRow


def _aware(value: datetime | None) -> datetime:
    result = utc(value)
    assert result is not None
    return result


class People:
    """Weak (name) keys resolved to the strong key of the same person, where one is known
    (rapportkit.aliases; docs/network.md, "People known by name")."""

    def __init__(self, session: Session, tenant_id: str, keys: Iterable[str | None]):
        self.aliases = aliases.resolve(session, PersonAliasRow, tenant_id, (k for k in keys if k))

    def __call__(self, key: str | None) -> str | None:
        return self.aliases.get(key, key) if key else key


def load_messages(session: Session, tenant_id: str, rep_id: str) -> list[V.Message]:
    rows = session.execute(
        select(MessageRow.id, MessageRow.conversation_id, MessageRow.outbound, MessageRow.at, MessageRow.person_key,
               MessageRow.channel, MessageRow.is_pitch)
        .where(MessageRow.tenant_id == tenant_id, MessageRow.rep_id == rep_id)).all()
    person = People(session, tenant_id, (row[4] for row in rows))
    return [V.Message(conversation_id=cid, outbound=out, at=_aware(at), person=person(key), channel=channel,
                      is_pitch=pitch, seq=seq) for seq, cid, out, at, key, channel, pitch in rows]


def load_connections(session: Session, tenant_id: str, rep_id: str) -> dict[str, C.History]:
    """The rep's connections by person, one per person: the rows of a person stored under a weak key
    and under their strong key are merged (`connections.merge`)."""
    rows = session.scalars(select(ConnectionRow).where(ConnectionRow.tenant_id == tenant_id,
                                                       ConnectionRow.rep_id == rep_id)).all()
    person = People(session, tenant_id, (row.person_key for row in rows))
    found: dict[str, C.History] = {}
    for row in rows:
        key = person(row.person_key) or row.person_key
        found[key] = C.merge(found[key], row.history()) if key in found else row.history()
    return found


def known_rep(session: Session, tenant_id: str, rep_id: str) -> bool:
    """Whether the service has recorded any connection, message or meeting of the rep."""
    return any(session.scalar(select(exists().where(model.tenant_id == tenant_id, model.rep_id == rep_id)))
               for model in (ConnectionRow, MessageRow, MeetingRow))


def _stakeholders(session: Session, tenant_id: str, touched: set[str],
                  meeting_accounts: set[str]) -> tuple[list[G.Stakeholder], dict[str, G.AccountInfo]]:
    """The active stakeholders of every account the rep touched, and those accounts' names."""
    active = (StakeholderRow.tenant_id == tenant_id, StakeholderRow.active.is_(True))
    accounts = set(meeting_accounts)
    for chunk in chunks(touched | set(aliases.weak_of(session, PersonAliasRow, tenant_id, touched))):
        accounts.update(session.scalars(select(StakeholderRow.account_id).where(
            *active, StakeholderRow.person_key.in_(chunk))))
    rows: list[tuple[str, str, str | None, str]] = []
    info: dict[str, G.AccountInfo] = {}
    for chunk in chunks(accounts):
        rows += session.execute(select(StakeholderRow.stakeholder_id, StakeholderRow.account_id,
                                       StakeholderRow.person_key, StakeholderRow.role)
                                .where(*active, StakeholderRow.account_id.in_(chunk))).all()
        info.update({aid: G.AccountInfo(name=name, tier=tier) for aid, name, tier in session.execute(
            select(AccountRow.account_id, AccountRow.name, AccountRow.tier)
            .where(AccountRow.tenant_id == tenant_id, AccountRow.account_id.in_(chunk)))})
    for aid in accounts:
        info.setdefault(aid, G.AccountInfo())
    person = People(session, tenant_id, (key for _, _, key, _ in rows))
    found = [G.Stakeholder(stakeholder_id=sid, account_id=aid, person=person(key), role=role)
             for sid, aid, key, role in rows]
    return found, info


def rep_network(session: Session, *, tenant_id: str, rep_id: str) -> dict[str, Any]:
    """`GET /v1/reps/{rep_id}/network`; 404 for a rep the service knows nothing of."""
    if not known_rep(session, tenant_id, rep_id):
        raise not_found(f"network of rep {rep_id!r} (no connection, message or meeting recorded)")
    conns = load_connections(session, tenant_id, rep_id)
    messages = load_messages(session, tenant_id, rep_id)
    meeting_rows = session.execute(
        select(MeetingRow.meeting_id, MeetingRow.booked_at, MeetingRow.held_at, MeetingRow.person_key,
               MeetingRow.conversation_id, MeetingRow.account_id)
        .where(MeetingRow.tenant_id == tenant_id, MeetingRow.rep_id == rep_id)).all()
    person = People(session, tenant_id, (row[3] for row in meeting_rows))

    found = V.threads(messages)
    accepted_at = {key: _aware(h.accepted_at) for key, h in conns.items() if h.accepted_at is not None}
    meetings = [V.Meeting(meeting_id=mid, booked_at=utc(booked), held_at=utc(held), person=person(key),
                          conversation_id=cid) for mid, booked, held, key, cid, _ in meeting_rows]
    contacted = {m.person for m in messages if m.person}
    touched = set(conns) | contacted | {m.person for m in meetings if m.person}
    stakeholders, accounts = _stakeholders(session, tenant_id, touched,
                                           {aid for *_, aid in meeting_rows if aid})
    return {
        "rep_id": rep_id,
        "connections": {**C.summary([C.ConnectionView(status=C.status(h), direction=h.direction)
                                     for h in conns.values()]),
                        "known_by_name": sum(1 for key in conns if is_weak(key))},
        "conversations": V.summary(found),
        "messages": V.messages_summary(messages, accepted_at),
        "meetings": V.meetings_summary(meetings, found),
        "coverage": G.coverage(stakeholders, accounts=accounts, connected=set(accepted_at), contacted=contacted,
                               two_way=V.two_way_persons(messages)),
    }


def rep_conversations(session: Session, *, tenant_id: str, rep_id: str, limit: int,
                      offset: int) -> tuple[list[dict[str, object]], int]:
    """`GET /v1/reps/{rep_id}/conversations`: one rep's threads, most recently active first."""
    if not known_rep(session, tenant_id, rep_id):
        raise not_found(f"network of rep {rep_id!r} (no connection, message or meeting recorded)")
    found = V.threads(load_messages(session, tenant_id, rep_id))
    rows = session.execute(select(MeetingRow.meeting_id, MeetingRow.booked_at, MeetingRow.held_at,
                                  MeetingRow.person_key, MeetingRow.conversation_id)
                           .where(MeetingRow.tenant_id == tenant_id, MeetingRow.rep_id == rep_id)).all()
    person = People(session, tenant_id, (row[3] for row in rows))
    meetings = [V.Meeting(meeting_id=mid, booked_at=utc(b), held_at=utc(h), person=person(p), conversation_id=c)
                for mid, b, h, p, c in rows]
    led_to: dict[str, list[str]] = {}
    for m in meetings:
        link = V.linked_conversation(m, found)
        if link is not None:
            led_to.setdefault(link, []).append(m.meeting_id)
    items = [{**t.as_dict(), "meetings": sorted(led_to.get(t.conversation_id, []))}
             for t in found[offset:offset + limit]]
    return items, len(found)
