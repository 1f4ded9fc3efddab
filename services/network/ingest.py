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

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapportkit import aliases
from rapportkit.db import among, chunks, insert_many, table_of, utc
from rapportkit.envelope import Event, parse_time
from rapportkit.errors import ApiError
from rapportkit.ingest import IngestHandler, batch_of
from rapportkit.people import require_person_key
from services.network import connections as C
from services.network.models import Base, ConnectionRow, MeetingRow, MessageRow, PersonAliasRow
from services.network.pitch import classify

LOCKED = "network.locked"  # Session.info: (model, primary key) → the row, for the rows this transaction locked
RowOf = Callable[[Event], tuple[tuple[str, ...], dict[str, Any]]]  # an event's row: its primary key and blank


def _locked(session: Session, model: type[Base], event: Event, row_of: RowOf, types: tuple[str, ...]) -> Any:
    """The row of `event` (`row_of` gives its primary key and a blank row), locked for this
    transaction; inserted from the blank first if missing (INSERT … ON CONFLICT DO NOTHING, so
    concurrent first writers do not collide).

    The first call of a request locks the rows of every event of the request of `types` in at most
    three statements: the rows there are, the missing ones inserted, those loaded. It was three
    round trips per event, the network API's whole time during an import. Rows are locked in key
    order, so two requests touching the same rows wait for each other instead of deadlocking. The
    session holds the rows in `Session.info` (its identity map alone would let them go)."""
    locked: dict[tuple[type[Base], tuple[str, ...]], Any] = session.info.setdefault(LOCKED, {})
    pk, blank = row_of(event)
    if (model, pk) not in locked:
        wanted = {pk: blank}
        for other in batch_of(session):
            if other["type"] in types:
                try:
                    wanted.setdefault(*row_of(other))
                except ApiError:  # an event its own handler refuses, naming its own id
                    continue
        wanted = {k: v for k, v in wanted.items() if (model, k) not in locked}
        loaded = _lock(session, model, sorted(wanted))
        missing = [wanted[k] for k in sorted(wanted) if k not in loaded]
        if missing:
            insert_many(session, table_of(model), missing, conflict=[c.name for c in table_of(model).primary_key])
            loaded.update(_lock(session, model, sorted(k for k in wanted if k not in loaded)))
        locked.update(((model, k), row) for k, row in loaded.items())
    return locked.get((model, pk))


def _lock(session: Session, model: type[Base], keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], Any]:
    """The rows of `keys` (primary key → row), loaded FOR UPDATE in key order by one statement per
    tenant whose text does not change (each key column `among` its values: a superset, filtered here)."""
    columns = list(table_of(model).primary_key)
    wanted, found = set(keys), {}
    for tenant in sorted({k[0] for k in keys}):
        mine = [k for k in keys if k[0] == tenant]
        stmt = select(model).where(columns[0] == tenant, *(among(session, c, sorted({k[i] for k in mine}))
                                                         for i, c in enumerate(columns[1:], start=1)))
        for row in session.scalars(stmt.order_by(*columns).with_for_update()):
            key = tuple(getattr(row, c.key) for c in columns)
            if key in wanted:
                found[key] = row
    return found


def _connection_row(event: Event) -> tuple[tuple[str, ...], dict[str, Any]]:
    tenant, rep, key = event["tenantid"], event["data"]["rep_id"], require_person_key(event)
    return (tenant, rep, key), {"tenant_id": tenant, "rep_id": rep, "person_key": key, "status": C.PENDING}


def connection(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAliasRow, event)
    data, tenant = event["data"], event["tenantid"]
    key, at = require_person_key(event), parse_time(event["time"])
    transition = event["type"].rsplit(".", 1)[1]
    pk = (tenant, data["rep_id"], key)
    session.info.setdefault(TOUCHED, set()).add(pk)
    with session.no_autoflush:
        row: ConnectionRow = _locked(session, ConnectionRow, event, _connection_row, CONNECTION_TYPES)
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


PRELOADED = "network.accepted"  # Session.info: when the connections of the request's messages were accepted
TOUCHED = "network.connections_touched"  # Session.info: connections an event of the request changed


def _accepted_at(session: Session, tenant: str, rep: str, key: str) -> datetime | None:
    """When the rep's connection with the person was accepted (None: not connected), without a query
    per message: the first message of a request loads the acceptances of all its messages at once,
    by one statement per tenant whose text does not change (`among`); a connection an earlier event
    of the request changed is read again."""
    batch = batch_of(session)
    pk = (tenant, rep, key)
    if not batch or pk in session.info.get(TOUCHED, ()):
        row = session.get(ConnectionRow, pk)
        return utc(row.accepted_at) if row is not None else None
    if PRELOADED not in session.info:
        wanted = {(e["tenantid"], e["data"]["rep_id"], require_person_key(e)) for e in batch
                  if e["type"] in MESSAGE_TYPES}
        loaded: dict[tuple[str, str, str], datetime | None] = {}
        for tenant_id in sorted({t for t, _, _ in wanted}):
            for people in chunks(k for t, _, k in wanted if t == tenant_id):
                for rep_id, person_key, accepted_at in session.execute(
                        select(ConnectionRow.rep_id, ConnectionRow.person_key, ConnectionRow.accepted_at).where(
                            ConnectionRow.tenant_id == tenant_id, among(session, ConnectionRow.person_key, people))):
                    if (tenant_id, rep_id, person_key) in wanted:
                        loaded[(tenant_id, rep_id, person_key)] = utc(accepted_at)
        session.info[PRELOADED] = loaded
    found: datetime | None = session.info[PRELOADED].get(pk)
    return found


def message(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAliasRow, event)
    data, tenant = event["data"], event["tenantid"]
    key, at = require_person_key(event), parse_time(event["time"])
    outbound = event["type"].endswith(".sent")
    with session.no_autoflush:
        accepted = _accepted_at(session, tenant, data["rep_id"], key)
    minutes = minutes_between(accepted, at)
    text = data.get("text")
    explicit = data.get("is_pitch")
    row: dict[str, Any] = {
        "tenant_id": tenant, "event_id": event["id"], "rep_id": data["rep_id"],
        "conversation_id": data["conversation_id"], "person_key": key, "outbound": outbound,
        "channel": data["channel"], "at": at, "text": text,
        "length": data.get("length", len(text) if isinstance(text, str) else None),
        "is_pitch": bool(explicit), "pitch_score": None, "pitch_rules": None, "minutes_since_accepted": minutes}
    published = event
    if outbound:
        verdict = classify(text, explicit=explicit)
        row.update(is_pitch=verdict.is_pitch, pitch_score=verdict.score, pitch_rules=list(verdict.rules))
        published = {**event, "data": {**data, "is_pitch": verdict.is_pitch, "pitch_rules": list(verdict.rules),
                                       "pitch_score": verdict.score,
                                       "minutes_since_connection_accepted": minutes}}
    session.info.setdefault(MESSAGES, []).append(row)
    return [published]


MESSAGES = "network.messages"  # Session.info: the message rows of the request, written at commit


@sa_event.listens_for(Session, "before_commit")
def _write_messages(session: Session) -> None:
    """The request's message rows in one statement (`rapportkit.db.insert_many`: an ORM object per
    message and the flush of them cost a quarter of the network API's time in `make bench`; the
    one-row statement executed for each message that followed, ~10 µs of the API's CPU a message).
    The inbox claimed each event once; ON CONFLICT keeps a stray duplicate from failing the batch."""
    rows = session.info.pop(MESSAGES, None)
    if rows:
        insert_many(session, table_of(MessageRow), rows, conflict=["tenant_id", "event_id"])


def _meeting_row(event: Event) -> tuple[tuple[str, ...], dict[str, Any]]:
    tenant, data = event["tenantid"], event["data"]
    return (tenant, data["meeting_id"]), {"tenant_id": tenant, "meeting_id": data["meeting_id"],
                                          "rep_id": data["rep_id"], "kind": data["kind"],
                                          "updated_at": parse_time(event["time"])}


def meeting(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAliasRow, event)
    data, at = event["data"], parse_time(event["time"])
    key = require_person_key(event) if data.get("person") is not None else None
    with session.no_autoflush:
        row: MeetingRow = _locked(session, MeetingRow, event, _meeting_row, MEETING_TYPES)
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
CONNECTION_TYPES = tuple(f"{_T}connection.{t}" for t in ("requested", "accepted", "declined", "withdrawn"))
MEETING_TYPES = (f"{_T}meeting.booked", f"{_T}meeting.held")
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
