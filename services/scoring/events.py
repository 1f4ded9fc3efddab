"""Consumer handlers of the scoring service: events → facts and read models.

Every handler is idempotent under the consumer's inbox and tolerant of order: state that can
arrive out of order (stakeholders, quadrants, opportunities) keeps the latest by event time, and
facts are keyed by event time. A fact marks its rep's day dirty; the scorer (scorer.py)
recomputes and publishes dirty days.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import case, delete, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from rapportkit import aliases, outbox
from rapportkit.consumer import Handler, handled_lane, handlers
from rapportkit.db import among, dialect_insert, insert_many, pipelined, table_of, utc
from rapportkit.envelope import Event, new_event, parse_time
from rapportkit.people import erasure_keys, person_key_or_none
from rapportkit.privacy import erasure_completed
from rapportkit.tenants import tenant_deletion_handler
from services.scoring import facts as F
from services.scoring.contingency import recommendation_for
from services.scoring.models import (
    BULK,
    LIVE,
    AccountRow,
    Base,
    ContentRow,
    DirtyRow,
    FactRow,
    LeadRow,
    OpportunityRow,
    PersonAliasRow,
    ReferralRow,
    RepRow,
    RepVersionRow,
    SignalRow,
    StageChangeRow,
    StakeholderRow,
    TenantVersionRow,
)
from services.scoring.privacy import erase_person

SOURCE = "rapport/scoring"
M = TypeVar("M", bound=Base)


def text_digest(text: str) -> str:
    """Hash of a message's text, whitespace and case folded (mass_message compares these)."""
    return hashlib.sha1(re.sub(r"\s+", " ", text.strip().lower()).encode()).hexdigest()[:16]


def add_fact(session: Session, event: Event, kind: str, *, rep_id: str | None = None, person: str | None = None,
             account_id: str | None = None, ref: str | None = None, flag: bool = False,
             detail: str | None = None) -> None:
    data = event["data"]
    rep = rep_id or data["rep_id"]
    at = parse_time(event["time"])
    remember_person(session, event)
    session.info.setdefault(FACTS, []).append({
        "tenant_id": event["tenantid"], "rep_id": rep, "kind": kind, "at": at, "person": person,
        "account_id": account_id, "ref": ref, "flag": flag, "detail": detail, "event_id": event["id"]})
    dirty: dict[tuple[str, str, date], int] = session.info.setdefault(DIRTY_DAYS, {})
    key, lane = (event["tenantid"], rep, at.date()), LIVE if handled_lane(session) == outbox.LIVE else BULK
    dirty[key] = min(lane, dirty.get(key, BULK))


PEOPLE = "scoring.people"  # Session.info: (tenant, person dict) of this transaction's events, for the aliases


def remember_person(session: Session, event: Event) -> None:
    person = event["data"].get("person")
    if isinstance(person, dict):
        session.info.setdefault(PEOPLE, []).append((event["tenantid"], person))


def _learn_aliases(session: Session) -> None:
    """Record the aliases the transaction's people teach; a new alias of a name some fact or
    stakeholder is stored under changes whom those facts count (a context change of the tenant)."""
    changed = aliases.learn(session, PersonAliasRow, session.info.pop(PEOPLE, None) or ())
    by_tenant: dict[str, list[str]] = defaultdict(list)
    for tenant, weak in changed:
        by_tenant[tenant].append(weak)
    for tenant, weaks in by_tenant.items():
        for start in range(0, len(weaks), 500):
            chunk = weaks[start:start + 500]
            if any(session.scalar(select(model.person).where(
                    model.tenant_id == tenant, among(session, model.person, chunk)).limit(1))
                   for model in (FactRow, StakeholderRow)):
                session.info.setdefault(CONTEXT_TENANTS, set()).add(tenant)
                break


DIRTY_DAYS = "scoring.dirty_days"
FACTS = "scoring.facts"  # Session.info: the fact rows of this transaction not written yet


def write_facts(session: Session) -> None:
    """Write the facts added so far in this transaction in one statement (a handler that reads or
    changes facts calls it first; the transaction does before it commits)."""
    rows = session.info.pop(FACTS, None)
    if rows:
        insert_many(session, table_of(FactRow), rows, conflict=None)
CONTEXT_TENANTS = "scoring.context_tenants"


@sa_event.listens_for(Session, "before_commit")
def _mark_changes(session: Session) -> None:
    """What this transaction changed, recorded in a few statements: the rep-days its facts touched
    (for the scorer), the versions of the scoring inputs of each tenant it touched (for the
    leaderboard, services/scoring/board.py), and the aliases its people teach (rapportkit.aliases)."""
    write_facts(session)
    _learn_aliases(session)
    days: dict[tuple[str, str, date], int] = session.info.pop(DIRTY_DAYS, None) or {}
    context = session.info.pop(CONTEXT_TENANTS, None) or set()
    if not days and not context:
        return
    # each statement is of one row, executed for many: its text never changes, so it is compiled and
    # parsed once per process (VALUES lists were compiled and parsed anew for every poll)
    insert = dialect_insert(session)
    versions: dict[str, int] = {}
    tenant_version = table_of(TenantVersionRow)
    for tenant in sorted({t for t, _, _ in days} | context):  # one order, so two writers cannot deadlock
        stmt = insert(tenant_version).values(tenant_id=tenant, version=1, context_version=int(tenant in context))
        bumped = tenant_version.c.version + 1
        versions[tenant] = session.execute(stmt.on_conflict_do_update(
            index_elements=["tenant_id"],
            set_={"version": bumped, **({"context_version": bumped} if tenant in context else {})})
            .returning(tenant_version.c.version)).scalar_one()
    now = time.time()
    dirty = table_of(DirtyRow)
    with pipelined(session):  # the writes whose results nobody reads, sent together: one round trip
        if days:
            # in key order, one statement for both lanes: rows are locked in the order the scorer locks
            # them (services/scoring/scorer.py `finish`), so the two cannot deadlock
            stmt = insert(dirty)
            new = stmt.excluded
            session.execute(stmt.on_conflict_do_update(index_elements=["tenant_id", "rep_id", "day"], set_={
                # every mark counts: a scorer scoring the day meanwhile leaves it for the next pass
                "version": dirty.c.version + 1,
                # a day dirty in both lanes is live: a live change waits for no import
                "lane": case((new.lane == LIVE, LIVE), else_=dirty.c.lane),
                # a day already waiting keeps its place in the queue (`marked_at`), unless it moves from
                # the bulk lane to the live one, where it queues as a live change of now
                "marked_at": case(((dirty.c.lane != LIVE) & (new.lane == LIVE), new.marked_at),
                                  else_=dirty.c.marked_at)}),
                [{"tenant_id": t, "rep_id": r, "day": d, "lane": lane, "marked_at": now}
                 for (t, r, d), lane in sorted(days.items())])
        for tenant, version in versions.items():
            reps = sorted({r for t, r, _ in days if t == tenant})
            if reps:
                stmt = insert(table_of(RepVersionRow))
                session.execute(stmt.on_conflict_do_update(index_elements=["tenant_id", "rep_id"],
                                                           set_={"version": stmt.excluded.version}),
                                [{"tenant_id": tenant, "rep_id": r, "version": version} for r in reps])


def changes_context(handler: Handler) -> Handler:
    """`handler`, marking its tenant's scoring context changed (beyond the facts of one rep)."""
    def handle(session: Session, event: Event) -> None:
        handler(session, event)
        session.info.setdefault(CONTEXT_TENANTS, set()).add(event["tenantid"])
    return handle


def _fact(kind: str, **fields: str) -> Handler:
    """A handler recording one fact; `fields` maps fact attributes to data fields."""
    def handle(session: Session, event: Event) -> None:
        data = event["data"]
        add_fact(session, event, kind, person=person_key_or_none(data.get("person")),
                 **{attr: data.get(name) for attr, name in fields.items()})
    return handle


def connection_requested(session: Session, event: Event) -> None:
    kind = F.CONN_REQUEST_OUT if event["data"]["direction"] == "outbound" else F.CONN_REQUEST_IN
    add_fact(session, event, kind, person=person_key_or_none(event["data"]["person"]))


def message(session: Session, event: Event) -> None:
    data = event["data"]
    sent = event["type"].endswith(".sent")
    text = data.get("text")
    add_fact(session, event, F.MSG_OUT if sent else F.MSG_IN, person=person_key_or_none(data["person"]),
             ref=data["conversation_id"], flag=bool(sent and data.get("is_pitch")),
             detail=text_digest(text) if sent and isinstance(text, str) and text.strip() else None)


def item_published(session: Session, event: Event) -> None:
    data, tenant = event["data"], event["tenantid"]
    if session.get(ContentRow, (tenant, data["content_id"])) is None:
        session.add(ContentRow(tenant_id=tenant, content_id=data["content_id"], owner=data["owner"]))
    if data["owner"] == "company":  # shares recorded before the item was known are advocacy too
        write_facts(session)
        session.execute(update(FactRow).where(FactRow.tenant_id == tenant, FactRow.kind == F.CONTENT_SHARED,
                                              FactRow.ref == data["content_id"]).values(flag=True))
    else:
        add_fact(session, event, F.CONTENT_PUBLISHED, rep_id=data["owner"], ref=data["content_id"])


def item_shared(session: Session, event: Event) -> None:
    data = event["data"]
    item = session.get(ContentRow, (event["tenantid"], data["content_id"]))
    company = item is not None and item.owner == "company"
    add_fact(session, event, F.CONTENT_SHARED, ref=data["content_id"], flag=company)


def engagement_recorded(session: Session, event: Event) -> None:
    data = event["data"]
    person = person_key_or_none(data["person"])
    if data["kind"] == "view" and person:
        write_facts(session)  # an earlier view may be among this transaction's facts
        if session.query(FactRow.id).filter_by(
                tenant_id=event["tenantid"], rep_id=data["rep_id"], kind=F.ENGAGEMENT_RECEIVED,
                ref=data["content_id"], person=person, detail="view").first():
            return  # repeated views of one rep's share by one person count once
    add_fact(session, event, F.ENGAGEMENT_RECEIVED, person=person, ref=data["content_id"], detail=data["kind"])


def _row(session: Session, model: type[M], key: tuple[str, str], **create: Any) -> M:
    """The row of `model` with primary key `key`, added (with `create`'s values) if missing."""
    row = session.get(model, key)
    if row is None:
        names = [c.name for c in table_of(model).primary_key.columns]
        row = model(**dict(zip(names, key, strict=True)), **create)
        session.add(row)
    return row


def _account(session: Session, event: Event) -> AccountRow:
    return _row(session, AccountRow, (event["tenantid"], event["data"]["account_id"]))


def account_upserted(session: Session, event: Event) -> None:
    data = event["data"]
    row = _account(session, event)
    row.name, row.tier = data["name"], data["tier"]


def stakeholder_changed(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    row = session.get(StakeholderRow, (event["tenantid"], data["stakeholder_id"]))
    if row is not None and utc(row.changed_at) > at:
        return  # an older event arriving late
    identified = event["type"].endswith(".identified")
    row = row or _row(session, StakeholderRow, (event["tenantid"], data["stakeholder_id"]))
    row.account_id, row.active, row.changed_at = data["account_id"], identified, at
    if identified:
        row.person, row.role = person_key_or_none(data["person"]), data["role"]
        remember_person(session, event)


def quadrant_changed(session: Session, event: Event) -> None:
    data, at, tenant = event["data"], parse_time(event["time"]), event["tenantid"]
    row = _account(session, event)
    if row.quadrant_at is not None and utc(row.quadrant_at) > at:
        return
    changed = row.quadrant != data["quadrant"]
    row.quadrant, row.quadrant_at = data["quadrant"], at
    row.recommendation = recommendation_for(data["quadrant"])
    if changed:
        outbox.add(session, new_event(
            type="rapport.scoring.recommendation.issued", tenant_id=tenant, source=SOURCE, time=at,
            id=f"recommendation-{event['id']}",
            data={"account_id": data["account_id"], "quadrant": data["quadrant"],
                  "recommendation": row.recommendation}))


def fit_changed(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    row = _account(session, event)
    if row.icp_fit_at is None or utc(row.icp_fit_at) <= at:
        row.icp_fit, row.icp_fit_at = data["icp_fit"], at


def signal_captured(session: Session, event: Event) -> None:
    data = event["data"]
    if session.get(SignalRow, (event["tenantid"], data["signal_id"])) is None:
        session.add(SignalRow(tenant_id=event["tenantid"], signal_id=data["signal_id"],
                              captured_at=parse_time(event["time"])))


def _opportunity(session: Session, event: Event) -> OpportunityRow:
    return _row(session, OpportunityRow, (event["tenantid"], event["data"]["opportunity_id"]))


def opportunity_created(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    row = _opportunity(session, event)
    row.rep_id, row.account_id, row.amount, row.created_at = data["rep_id"], data["account_id"], data["amount"], at
    row.stage = row.stage or data["stage"]
    session.add(StageChangeRow(tenant_id=event["tenantid"], opportunity_id=row.opportunity_id, stage=data["stage"],
                               at=at))


def opportunity_stage_changed(session: Session, event: Event) -> None:
    row = _opportunity(session, event)
    at = parse_time(event["time"])
    session.add(StageChangeRow(tenant_id=event["tenantid"], opportunity_id=row.opportunity_id,
                               stage=event["data"]["stage"], at=at))
    if row.closed_at is None:
        row.stage = event["data"]["stage"]


def opportunity_closed(session: Session, event: Event) -> None:
    data = event["data"]
    row = _opportunity(session, event)
    row.closed_at, row.won = parse_time(event["time"]), bool(data["won"])
    row.won_amount = float(data["amount"]) if data["won"] else 0.0
    row.stage = "won" if data["won"] else "lost"


def lead(session: Session, event: Event) -> None:
    data, at = event["data"], parse_time(event["time"])
    row = _row(session, LeadRow, (event["tenantid"], data["lead_id"]), rep_id=data["rep_id"])
    row.account_id = data["account_id"]
    if event["type"].endswith(".qualified"):
        row.qualified_at = at
    else:
        row.created_at = at


def referral(session: Session, event: Event) -> None:
    session.add(ReferralRow(tenant_id=event["tenantid"], rep_id=event["data"]["rep_id"],
                            at=parse_time(event["time"]), person=person_key_or_none(event["data"]["person"])))


def rep_upserted(session: Session, event: Event) -> None:
    data = event["data"]
    row = _row(session, RepRow, (event["tenantid"], data["rep_id"]))
    row.name, row.team_id = data["name"], data["team_id"]


def erasure_requested(session: Session, event: Event) -> None:
    data = event["data"]
    write_facts(session)
    for key in sorted(erasure_keys(data["person"])):
        erase_person(session, tenant_id=event["tenantid"], person=key, request_id=data["request_id"])
    outbox.add(session, erasure_completed(event, service="scoring"))


def tenant_deletion_requested(session: Session, event: Event) -> None:
    """Delete every row of the tenant, after dropping what this transaction staged for it (facts,
    dirty days, version bumps), which would otherwise be written after the deletion. The scorer's
    rows go first: on PostgreSQL these statements wait for a scorer transaction writing for the
    tenant (it holds the version row FOR SHARE from its first write to its commit, a build step
    for the whole step), and the generic deletion after them then sees, and deletes, what it
    wrote; a pass that reaches its writes after the deletion finds no version row and writes
    nothing, and the scorer's next build step drops the build."""
    tenant = event["tenantid"]
    session.info[FACTS] = [f for f in session.info.get(FACTS, []) if f["tenant_id"] != tenant]
    days = session.info.get(DIRTY_DAYS, {})
    for key in [k for k in days if k[0] == tenant]:
        del days[key]
    session.info.get(CONTEXT_TENANTS, set()).discard(tenant)
    for model in (TenantVersionRow, DirtyRow):
        session.execute(delete(model).where(model.tenant_id == tenant))
    _delete_tenant(session, event)


_delete_tenant = tenant_deletion_handler("scoring", Base.metadata)


# what each event type changes of the scoring inputs (the leaderboard's cache relies on it; a unit
# test checks every consumed type is in exactly one of the three):
FACTS_OF_ITS_REP = {  # only facts of the event's rep
    "insight.profile.viewed": _fact(F.PROFILE_VIEW),
    "insight.note.recorded": _fact(F.NOTE, account_id="account_id"),
    "insight.account.followed": _fact(F.ACCOUNT_FOLLOW, account_id="account_id"),
    "insight.signal.actioned": _fact(F.SIGNAL_ACTIONED, ref="signal_id"),
    "network.connection.requested": connection_requested,
    "network.connection.accepted": _fact(F.CONN_ACCEPTED),
    "network.message.sent": message,
    "network.message.received": message,
    "network.meeting.booked": _fact(F.MEETING_BOOKED, ref="meeting_id", account_id="account_id"),
    "network.meeting.held": _fact(F.MEETING_HELD, ref="meeting_id", account_id="account_id"),
    "network.endorsement.received": _fact(F.ENDORSEMENT),
    "network.recommendation.received": _fact(F.RECOMMENDATION),
    "content.item.shared": item_shared,
    "content.engagement.recorded": engagement_recorded,
    "content.engagement.given": _fact(F.ENGAGEMENT_GIVEN),
}
CONTEXT = {  # what the scores of any rep may read
    "insight.account.upserted": account_upserted,
    "insight.stakeholder.identified": stakeholder_changed,
    "insight.stakeholder.departed": stakeholder_changed,
    "insight.account.quadrant_changed": quadrant_changed,
    "insight.account.fit_changed": fit_changed,
    "insight.signal.captured": signal_captured,
    "content.item.published": item_published,  # marks other reps' earlier shares as advocacy
    "privacy.erasure.requested": erasure_requested,
}
NOT_SCORED = {  # outcomes and the directory: reports and names, no score reads them
    "directory.rep.upserted": rep_upserted,
    "outcome.lead.created": lead,
    "outcome.lead.qualified": lead,
    "outcome.opportunity.created": opportunity_created,
    "outcome.opportunity.stage_changed": opportunity_stage_changed,
    "outcome.opportunity.closed": opportunity_closed,
    "outcome.referral.received": referral,
    "privacy.tenant_deletion.requested": tenant_deletion_requested,  # nothing of the tenant is left to score
}
HANDLERS = handlers({**FACTS_OF_ITS_REP, **{t: changes_context(h) for t, h in CONTEXT.items()}, **NOT_SCORED})
