"""Ingest handlers: the state change each accepted network event makes, and what it publishes.

Each handler runs in the ingest request's transaction (claimed in the inbox, so only once per
event id) and returns the events to publish:

* connections: fold the transition into the (rep, person) connection; publish the event as is;
* messages: store the message; an outbound one is classified by `services.network.pitch` and
  published **enriched** with ``is_pitch``, ``pitch_rules``, ``pitch_score`` and
  ``minutes_since_connection_accepted``;
* meetings: fold booked / held into the meeting; publish the event as is;
* endorsements, recommendations: remember who they name (for erasure); publish as is.

The first event of a request also records the aliases its people teach (a person with a URL or
e-mail and a name: their weak keys are that person; rapportkit.aliases), so the reads merge a
person stored by name only into the same person with a URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from rapportkit import aliases
from rapportkit.db import insert_ignore, table_of, utc
from rapportkit.envelope import Event, parse_time
from rapportkit.ingest import IngestHandler, batch_of
from rapportkit.people import require_person_key
from services.network import connections as C
from services.network.models import Base, ConnectionRow, MeetingRow, MessageRow, PersonAliasRow
from services.network.pitch import classify


def _locked(session: Session, model: type[Base], pk: tuple[str, ...], blank: dict[str, Any]) -> Any:
    """The row with primary key `pk`, locked for this transaction; inserted from `blank` first if
    missing (INSERT … ON CONFLICT DO NOTHING, so concurrent first writers do not collide)."""
    row = session.get(model, pk, with_for_update=True)
    if row is None:
        keys = [c.name for c in table_of(model).primary_key.columns]
        insert_ignore(session, model, blank, keys=keys)
        row = session.get(model, pk, with_for_update=True)
    return row


def connection(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAliasRow, event)
    data, tenant = event["data"], event["tenantid"]
    key, at = require_person_key(event), parse_time(event["time"])
    transition = event["type"].rsplit(".", 1)[1]
    pk = (tenant, data["rep_id"], key)
    session.info.setdefault(TOUCHED, set()).add(pk)
    with session.no_autoflush:
        row: ConnectionRow = _locked(session, ConnectionRow, pk, {
            "tenant_id": tenant, "rep_id": data["rep_id"], "person_key": key, "status": C.PENDING})
    history = C.record(row.history(), transition, at, direction=data.get("direction"))
    row.store(history, C.status(history))
    if at >= (utc(row.person_at) or at):
        row.person, row.person_at = data["person"], at
    return [event]


def minutes_between(start: datetime | None, end: datetime) -> float | None:
    """Minutes from `start` to `end`, two decimals; None without a start or when `end` is before it."""
    if start is None or end < start:
        return None
    return round((end - start).total_seconds() / 60, 2)


PRELOADED = "network.connections"  # Session.info: the connections of the request's messages, loaded at once
TOUCHED = "network.connections_touched"  # Session.info: connections an event of the request changed


def _connection_of(session: Session, tenant: str, rep: str, key: str) -> ConnectionRow | None:
    """The rep's connection with the person, without a query per message: the first message of a
    request loads the connections of all its messages at once (held here: the session's identity map
    keeps unchanged rows only weakly); one an earlier event of the request changed is read again."""
    batch = batch_of(session)
    pk = (tenant, rep, key)
    if not batch or pk in session.info.get(TOUCHED, ()):
        return session.get(ConnectionRow, pk)
    if PRELOADED not in session.info:
        pairs = sorted({(e["tenantid"], e["data"]["rep_id"], require_person_key(e)) for e in batch
                        if e["type"] in MESSAGE_TYPES})
        loaded: dict[tuple[str, str, str], ConnectionRow] = {}
        for start in range(0, len(pairs), 500):
            loaded.update(((r.tenant_id, r.rep_id, r.person_key), r) for r in session.scalars(
                select(ConnectionRow).where(tuple_(ConnectionRow.tenant_id, ConnectionRow.rep_id,
                                                   ConnectionRow.person_key).in_(pairs[start:start + 500]))))
        session.info[PRELOADED] = loaded
    found: ConnectionRow | None = session.info[PRELOADED].get(pk)
    return found


def message(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAliasRow, event)
    data, tenant = event["data"], event["tenantid"]
    key, at = require_person_key(event), parse_time(event["time"])
    outbound = event["type"].endswith(".sent")
    with session.no_autoflush:  # messages are inserted in one batch at the end of the request
        conn = _connection_of(session, tenant, data["rep_id"], key)
    minutes = minutes_between(utc(conn.accepted_at) if conn is not None else None, at)
    text = data.get("text")
    explicit = data.get("is_pitch")
    row = MessageRow(tenant_id=tenant, event_id=event["id"], rep_id=data["rep_id"],
                     conversation_id=data["conversation_id"], person_key=key, outbound=outbound,
                     channel=data["channel"], at=at, text=text,
                     length=data.get("length", len(text) if isinstance(text, str) else None),
                     is_pitch=bool(explicit), minutes_since_accepted=minutes)
    published = event
    if outbound:
        verdict = classify(text, explicit=explicit)
        row.is_pitch, row.pitch_score, row.pitch_rules = verdict.is_pitch, verdict.score, list(verdict.rules)
        published = {**event, "data": {**data, "is_pitch": verdict.is_pitch, "pitch_rules": list(verdict.rules),
                                       "pitch_score": verdict.score,
                                       "minutes_since_connection_accepted": minutes}}
    session.add(row)
    return [published]


def meeting(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAliasRow, event)
    data, tenant = event["data"], event["tenantid"]
    at = parse_time(event["time"])
    key = require_person_key(event) if data.get("person") is not None else None
    with session.no_autoflush:
        row: MeetingRow = _locked(session, MeetingRow, (tenant, data["meeting_id"]), {
            "tenant_id": tenant, "meeting_id": data["meeting_id"], "rep_id": data["rep_id"], "kind": data["kind"],
            "updated_at": at})
    if event["type"].endswith(".booked"):
        row.booked_at = min(at, utc(row.booked_at) or at)
    else:
        row.held_at = min(at, utc(row.held_at) or at)
    updated = utc(row.updated_at) or at
    newer = at >= updated
    values: dict[str, Any] = {"rep_id": data["rep_id"], "kind": data["kind"], "person_key": key,
                              "person": data.get("person"), "account_id": data.get("account_id"),
                              "conversation_id": data.get("conversation_id")}
    for field, value in values.items():
        if value is not None and (newer or getattr(row, field) is None):
            setattr(row, field, value)
    row.updated_at = max(at, updated)
    return [event]


def person_named(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAliasRow, event)
    require_person_key(event)  # a person the service can key (a 422 otherwise)
    return [event]


_T = "rapport.network."
MESSAGE_TYPES = (f"{_T}message.sent", f"{_T}message.received")
INGEST_HANDLERS: dict[str, IngestHandler] = {
    f"{_T}connection.requested": connection,
    f"{_T}connection.accepted": connection,
    f"{_T}connection.declined": connection,
    f"{_T}connection.withdrawn": connection,
    f"{_T}message.sent": message,
    f"{_T}message.received": message,
    f"{_T}meeting.booked": meeting,
    f"{_T}meeting.held": meeting,
    f"{_T}endorsement.received": person_named,
    f"{_T}recommendation.received": person_named,
}
