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

from rapportkit.db import utc
from rapportkit.errors import not_found
from services.network import connections as C
from services.network import conversations as V
from services.network import coverage as G
from services.network.models import AccountRow, ConnectionRow, MeetingRow, MessageRow, StakeholderRow


def _aware(value: datetime | None) -> datetime:
    result = utc(value)
    assert result is not None
    return result


def load_messages(session: Session, tenant_id: str, rep_id: str) -> list[V.Message]:
    rows = session.execute(
        select(MessageRow.id, MessageRow.conversation_id, MessageRow.outbound, MessageRow.at, MessageRow.person_key,
               MessageRow.channel, MessageRow.is_pitch)
        .where(MessageRow.tenant_id == tenant_id, MessageRow.rep_id == rep_id))
    return [V.Message(conversation_id=cid, outbound=out, at=_aware(at), person=person, channel=channel,
                      is_pitch=pitch, seq=seq) for seq, cid, out, at, person, channel, pitch in rows]


def known_rep(session: Session, tenant_id: str, rep_id: str) -> bool:
    """Whether the service has recorded any connection, message or meeting of the rep."""
    return any(session.scalar(select(exists().where(model.tenant_id == tenant_id, model.rep_id == rep_id)))
               for model in (ConnectionRow, MessageRow, MeetingRow))


def _chunks(values: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _stakeholders(session: Session, tenant_id: str, touched: set[str],
                  meeting_accounts: set[str]) -> tuple[list[G.Stakeholder], dict[str, G.AccountInfo]]:
    """The active stakeholders of every account the rep touched, and those accounts' names."""
    active = (StakeholderRow.tenant_id == tenant_id, StakeholderRow.active.is_(True))
    accounts = set(meeting_accounts)
    for chunk in _chunks(touched):
        accounts.update(session.scalars(select(StakeholderRow.account_id).where(
            *active, StakeholderRow.person_key.in_(chunk))))
    found: list[G.Stakeholder] = []
    info: dict[str, G.AccountInfo] = {}
    for chunk in _chunks(accounts):
        found += [G.Stakeholder(stakeholder_id=sid, account_id=aid, person=person, role=role)
                  for sid, aid, person, role in session.execute(
                      select(StakeholderRow.stakeholder_id, StakeholderRow.account_id, StakeholderRow.person_key,
                             StakeholderRow.role).where(*active, StakeholderRow.account_id.in_(chunk)))]
        info.update({aid: G.AccountInfo(name=name, tier=tier) for aid, name, tier in session.execute(
            select(AccountRow.account_id, AccountRow.name, AccountRow.tier)
            .where(AccountRow.tenant_id == tenant_id, AccountRow.account_id.in_(chunk)))})
    for aid in accounts:
        info.setdefault(aid, G.AccountInfo())
    return found, info


def rep_network(session: Session, *, tenant_id: str, rep_id: str) -> dict[str, Any]:
    """`GET /v1/reps/{rep_id}/network`; 404 for a rep the service knows nothing of."""
    if not known_rep(session, tenant_id, rep_id):
        raise not_found(f"network of rep {rep_id!r} (no connection, message or meeting recorded)")
    conns = session.execute(
        select(ConnectionRow.person_key, ConnectionRow.status, ConnectionRow.direction, ConnectionRow.accepted_at)
        .where(ConnectionRow.tenant_id == tenant_id, ConnectionRow.rep_id == rep_id)).all()
    messages = load_messages(session, tenant_id, rep_id)
    meeting_rows = session.execute(
        select(MeetingRow.meeting_id, MeetingRow.booked_at, MeetingRow.held_at, MeetingRow.person_key,
               MeetingRow.conversation_id, MeetingRow.account_id)
        .where(MeetingRow.tenant_id == tenant_id, MeetingRow.rep_id == rep_id)).all()

    found = V.threads(messages)
    accepted_at = {person: _aware(at) for person, status, _, at in conns if status == C.ACCEPTED and at is not None}
    meetings = [V.Meeting(meeting_id=mid, booked_at=utc(booked), held_at=utc(held), person=person,
                          conversation_id=cid) for mid, booked, held, person, cid, _ in meeting_rows]
    contacted = {m.person for m in messages if m.person}
    touched = {person for person, *_ in conns} | contacted | {m.person for m in meetings if m.person}
    stakeholders, accounts = _stakeholders(session, tenant_id, touched,
                                           {aid for *_, aid in meeting_rows if aid})
    return {
        "rep_id": rep_id,
        "connections": C.summary([C.ConnectionView(status=s, direction=d) for _, s, d, _ in conns]),
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
    meetings = [V.Meeting(meeting_id=mid, booked_at=utc(b), held_at=utc(h), person=p, conversation_id=c)
                for mid, b, h, p, c in session.execute(
                    select(MeetingRow.meeting_id, MeetingRow.booked_at, MeetingRow.held_at, MeetingRow.person_key,
                           MeetingRow.conversation_id)
                    .where(MeetingRow.tenant_id == tenant_id, MeetingRow.rep_id == rep_id))]
    led_to: dict[str, list[str]] = {}
    for m in meetings:
        link = V.linked_conversation(m, found)
        if link is not None:
            led_to.setdefault(link, []).append(m.meeting_id)
    items = [{**t.as_dict(), "meetings": sorted(led_to.get(t.conversation_id, []))}
             for t in found[offset:offset + limit]]
    return items, len(found)
