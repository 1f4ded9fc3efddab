"""Ingest handlers: the state change each accepted insight event makes, and what it publishes.

Each returns the incoming event plus the events it derives (quadrant and fit changes), staged in
the same transaction. State that can arrive out of order keeps the latest by event time:
an account's attributes, a stakeholder's identity and whether they are active, a signal's capture.
Every request also records the aliases its people teach (rapportkit.aliases): a stakeholder known
by name and the same person with a URL count as one in the buying centre and the reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from rapportkit import aliases
from rapportkit.db import insert_ignore, utc
from rapportkit.envelope import Event, new_event, parse_time
from rapportkit.people import require_person_key
from services.insight import accounts
from services.insight.models import (
    Account,
    AccountFollow,
    Note,
    PersonAlias,
    ProfileView,
    Signal,
    SignalAction,
    Stakeholder,
)
from services.insight.signals import ActionFact, first_action, latency_hours

IDENTITY_FIELDS = ("profile_url", "email", "name", "title", "company")


def _newer(at: datetime, than: datetime | None) -> bool:
    """Whether an event at `at` supersedes state last changed at `than` (ties: the later arrival)."""
    previous = utc(than)
    return previous is None or at >= previous




def identity_of(person: dict[str, Any]) -> dict[str, str | None]:
    return {f: (str(person[f]).strip() or None) if person.get(f) is not None else None for f in IDENTITY_FIELDS}


def profile_viewed(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAlias, event)
    data = event["data"]
    session.add(ProfileView(tenant_id=event["tenantid"], event_id=event["id"], rep_id=data["rep_id"],
                            person_key=require_person_key(event), viewed_at=parse_time(event["time"])))
    return [event]


def account_upserted(session: Session, event: Event) -> list[Event]:
    data, tenant, at = event["data"], event["tenantid"], parse_time(event["time"])
    account = accounts.lock_accounts(session, tenant, [data["account_id"]])[data["account_id"]]
    if not _newer(at, account.upserted_at):
        return [event]  # an older version arriving late: the account already has a newer one
    account.known, account.upserted_at = True, at
    account.name, account.tier, account.industry = data["name"], data["tier"], data["industry"]
    account.employees = data["employees"]
    # region and revenue are known only sometimes: an upsert without them keeps what is known
    if "region" in data:
        account.region = data["region"]
    if "revenue" in data:
        account.revenue = float(data["revenue"])
    _link_follows(session, account)
    return [event, *accounts.refresh(session, account, cause=event["id"], at=at)]


def _link_follows(session: Session, account: Account) -> None:
    """Follows that named only the company get this account when its name is unambiguous."""
    name = (account.name or "").strip().lower()
    if not name:
        return
    namesakes = session.scalar(select(func.count()).select_from(Account).where(
        Account.tenant_id == account.tenant_id, Account.known.is_(True),
        Account.account_id != account.account_id, func.lower(Account.name) == name))
    if namesakes:
        return
    session.execute(update(AccountFollow).where(
        AccountFollow.tenant_id == account.tenant_id, AccountFollow.account_id.is_(None),
        func.lower(func.trim(AccountFollow.company)) == name).values(account_id=account.account_id))


def _lock_stakeholder(session: Session, tenant: str, stakeholder_id: str,
                      account_id: str) -> tuple[Stakeholder, dict[str, Account]]:
    """Lock the event's account, then the stakeholder (account → stakeholder, the order every
    writer uses), then the stakeholder's previous account if it is moving (rare)."""
    locked = accounts.lock_accounts(session, tenant, [account_id])
    insert_ignore(session, Stakeholder, {"tenant_id": tenant, "stakeholder_id": stakeholder_id,
                                         "account_id": account_id, "active": False},
                  keys=["tenant_id", "stakeholder_id"])
    row = session.scalars(select(Stakeholder).where(Stakeholder.tenant_id == tenant,
                                                    Stakeholder.stakeholder_id == stakeholder_id)
                          .with_for_update().execution_options(populate_existing=True)).one()
    if row.account_id not in locked:
        locked.update(accounts.lock_accounts(session, tenant, [row.account_id]))
    return row, locked


def stakeholder_identified(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAlias, event)  # before a refresh counts people
    data, tenant, at = event["data"], event["tenantid"], parse_time(event["time"])
    key = require_person_key(event)
    row, locked = _lock_stakeholder(session, tenant, data["stakeholder_id"], data["account_id"])
    if _newer(at, row.identified_at):
        # the latest identification says who the stakeholder is, in which account, in which role
        row.identified_at, row.account_id = at, data["account_id"]
        row.person_key, row.role, row.seniority = key, data["role"], data["seniority"]
        for field, value in identity_of(data["person"]).items():
            setattr(row, field, value)
        row.erased_at = None
    if _newer(at, row.changed_at):
        row.active, row.changed_at = True, at
    session.flush()
    derived = [e for account_id in sorted(locked)
               for e in accounts.refresh(session, locked[account_id], cause=event["id"], at=at)]
    return [event, *derived]


def stakeholder_departed(session: Session, event: Event) -> list[Event]:
    data, tenant, at = event["data"], event["tenantid"], parse_time(event["time"])
    row, locked = _lock_stakeholder(session, tenant, data["stakeholder_id"], data["account_id"])
    left = row.active and _newer(at, row.changed_at)
    if _newer(at, row.changed_at):
        row.active, row.changed_at, row.departed_at = False, at, at
    session.flush()
    derived = [e for account_id in sorted(locked)
               for e in accounts.refresh(session, locked[account_id], cause=event["id"], at=at)]
    if left and row.person_key is not None:
        change = job_change(row, cause=event["id"], at=at)
        signal_captured(session, change)  # insight's own signal: recorded here, then published
        derived.append(change)
    return [event, *derived]


JOB_CHANGE_STRENGTH = 0.8


def job_change(row: Stakeholder, *, cause: str, at: datetime) -> Event:
    """The `job_change` signal of an active stakeholder who departed (docs/insight.md, "Departures"):
    it names the account, the stakeholder and the person; its id derives from the departure, so a
    replay stages it once."""
    person = {k: v for k, v in identity_of({f: getattr(row, f) for f in IDENTITY_FIELDS}).items() if v}
    signal_id = accounts.derived_id("job_change", row.tenant_id, cause, row.stakeholder_id)
    return new_event(type="rapport.insight.signal.captured", tenant_id=row.tenant_id, source=accounts.SOURCE,
                     time=at, id=signal_id,
                     data={"signal_id": signal_id, "kind": "job_change", "strength": JOB_CHANGE_STRENGTH,
                           "source": "departure", "account_id": row.account_id,
                           "stakeholder_id": row.stakeholder_id, **({"person": person} if person else {})})


def note_recorded(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAlias, event)
    data = event["data"]
    session.add(Note(tenant_id=event["tenantid"], event_id=event["id"], rep_id=data["rep_id"],
                     account_id=data["account_id"], text=data["text"],
                     person_key=require_person_key(event) if "person" in data else None,
                     recorded_at=parse_time(event["time"])))
    return [event]


def account_followed(session: Session, event: Event) -> list[Event]:
    data, tenant = event["data"], event["tenantid"]
    account_id = data.get("account_id")
    if not account_id:
        matches = session.scalars(select(Account.account_id).where(
            Account.tenant_id == tenant, Account.known.is_(True),
            func.lower(Account.name) == data["company"].strip().lower()).limit(2)).all()
        account_id = matches[0] if len(matches) == 1 else None
    session.add(AccountFollow(tenant_id=tenant, event_id=event["id"], rep_id=data["rep_id"],
                              company=data["company"], account_id=account_id,
                              followed_at=parse_time(event["time"])))
    return [event]


def _lock_signal(session: Session, tenant: str, signal_id: str) -> Signal:
    insert_ignore(session, Signal, {"tenant_id": tenant, "signal_id": signal_id, "captured": False, "actions": 0},
                  keys=["tenant_id", "signal_id"])
    return session.scalars(select(Signal).where(Signal.tenant_id == tenant, Signal.signal_id == signal_id)
                           .with_for_update().execution_options(populate_existing=True)).one()


def _follow_up(session: Session, signal: Signal) -> None:
    """Recompute first action and latency from every action recorded for the signal."""
    facts = [ActionFact(at=utc(a.at) or a.at, event_id=a.event_id, rep_id=a.rep_id, action=a.action)
             for a in session.scalars(select(SignalAction).where(SignalAction.tenant_id == signal.tenant_id,
                                                                 SignalAction.signal_id == signal.signal_id))]
    first = first_action(facts)
    signal.actions = len(facts)
    signal.first_action_at = first.at if first else None
    signal.actioned_by = first.rep_id if first else None
    signal.action = first.action if first else None
    signal.latency_hours = latency_hours(utc(signal.captured_at), first.at if first else None)


def signal_captured(session: Session, event: Event) -> list[Event]:
    aliases.learn_from_request(session, PersonAlias, event)
    data, at = event["data"], parse_time(event["time"])
    key = require_person_key(event) if "person" in data else None
    signal = _lock_signal(session, event["tenantid"], data["signal_id"])
    if not signal.captured or _newer(at, signal.capture_event_at):
        signal.kind, signal.strength, signal.source = data["kind"], float(data["strength"]), data.get("source")
        signal.account_id, signal.captured_by = data.get("account_id"), data.get("rep_id")
        signal.person_key = key
        signal.person = {k: v for k, v in identity_of(data["person"]).items() if v} if key else None
        signal.capture_event_at = at
    first_capture = utc(signal.captured_at)
    signal.captured_at = at if first_capture is None or at < first_capture else first_capture
    signal.captured = True
    session.flush()
    _follow_up(session, signal)
    return [event]


def signal_actioned(session: Session, event: Event) -> list[Event]:
    data = event["data"]
    signal = _lock_signal(session, event["tenantid"], data["signal_id"])
    session.add(SignalAction(tenant_id=event["tenantid"], event_id=event["id"], signal_id=data["signal_id"],
                             rep_id=data["rep_id"], action=data["action"], at=parse_time(event["time"])))
    session.flush()
    _follow_up(session, signal)
    return [event]


_T = "rapport.insight."
INGEST_HANDLERS: dict[str, Callable[[Session, Event], list[Event]]] = {
    f"{_T}account.upserted": account_upserted,
    f"{_T}stakeholder.identified": stakeholder_identified,
    f"{_T}stakeholder.departed": stakeholder_departed,
    f"{_T}profile.viewed": profile_viewed,
    f"{_T}note.recorded": note_recorded,
    f"{_T}account.followed": account_followed,
    f"{_T}signal.captured": signal_captured,
    f"{_T}signal.actioned": signal_actioned,
}
