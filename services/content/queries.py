"""Reads of the content service: ranked items, one item's engagement, a rep's engagement given.

Service functions: keyword arguments and a Session, every query scoped to `tenant_id`; the
engagement maths is in ranking.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session

from rapportkit.db import utc
from rapportkit.envelope import format_time
from rapportkit.errors import not_found
from rapportkit.pagination import PageParams, page
from services.content.ingest import normalise_topic
from services.content.models import (
    ContentItem,
    ContentShare,
    ContentTopic,
    EngagementGiven,
    EngagementReceived,
    InsightAccount,
    InsightStakeholder,
)
from services.content.ranking import (
    DEFAULT_WEIGHTS,
    KINDS,
    Engager,
    ItemEngagement,
    Stakeholder,
    StakeholderIndex,
    Touch,
    Weights,
    attribute,
    engagement_by_item,
    rank,
)

CHUNK = 500


@dataclass(frozen=True)
class Period:
    """Days `start`..`end` inclusive (UTC); either side open."""

    start: date | None = None
    end: date | None = None

    @property
    def since(self) -> datetime | None:
        return datetime.combine(self.start, time.min, tzinfo=UTC) if self.start else None

    @property
    def until(self) -> datetime | None:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC) if self.end else None

    def holds(self, column: Any) -> ColumnElement[bool]:
        conds: list[ColumnElement[bool]] = []
        if self.since is not None:
            conds.append(column >= self.since)
        if self.until is not None:
            conds.append(column < self.until)
        return and_(true(), *conds)

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None


def _iso(value: datetime | None) -> str | None:
    return format_time(utc(value)) if value is not None else None


def _r(value: float) -> float:
    return round(value, 3)


# --- loading -------------------------------------------------------------------------------------

def _share_matches(tenant_id: str, rep_id: str | None, period: Period) -> ColumnElement[bool]:
    return and_(ContentShare.tenant_id == tenant_id, ContentShare.content_id == ContentItem.content_id,
                ContentShare.rep_id == rep_id if rep_id else true(), period.holds(ContentShare.shared_at))


def _engagement_filter(tenant_id: str, rep_id: str | None, period: Period) -> ColumnElement[bool]:
    return and_(EngagementReceived.tenant_id == tenant_id,
                EngagementReceived.rep_id == rep_id if rep_id else true(), period.holds(EngagementReceived.at))


def _items_in_scope(*, tenant_id: str, rep_id: str | None, topic: str | None, kind: str | None,
                    owner: str | None, period: Period) -> Select[str]:
    """Ids of the items with activity in scope: published (by the rep) in the period, shared (by the
    rep) in the period, or engaged with (through the rep's shares) in the period."""
    stmt = select(ContentItem.content_id).where(ContentItem.tenant_id == tenant_id)
    if kind:
        stmt = stmt.where(ContentItem.kind == kind)
    if owner:
        stmt = stmt.where(ContentItem.owner == owner)
    if topic is not None:
        stmt = stmt.where(exists().where(ContentTopic.tenant_id == tenant_id,
                                         ContentTopic.content_id == ContentItem.content_id,
                                         ContentTopic.topic == normalise_topic(topic)))
    if rep_id is None and period.is_open:
        return stmt
    published = and_(ContentItem.owner == rep_id if rep_id else true(), ContentItem.published_at.is_not(None),
                     period.holds(ContentItem.published_at))
    shared = exists().where(_share_matches(tenant_id, rep_id, period))
    engaged = exists().where(_engagement_filter(tenant_id, rep_id, period),
                             EngagementReceived.content_id == ContentItem.content_id)
    return stmt.where(or_(published, shared, engaged))


def _touches(session: Session, where: ColumnElement[bool], *, by_rep: bool = False) -> list[Touch]:
    E = EngagementReceived
    cols: list[Any] = [E.content_id, E.person_key, E.email_key, E.kind]
    if by_rep:
        cols.append(E.rep_id)
    rows = session.execute(
        select(*cols, func.count(), func.min(E.at), func.max(E.at), func.max(E.person_name))
        .where(where).group_by(*cols)).all()
    touches = []
    for row in rows:
        content_id, key, email, kind = row[0], row[1], row[2], row[3]
        rep = row[4] if by_rep else None
        events, first, last, name = row[-4], row[-3], row[-2], row[-1]
        touches.append(Touch(content_id=content_id, person_key=key, email_key=email, kind=kind, events=int(events),
                             first_at=utc(first), last_at=utc(last), name=name, rep_id=rep))
    return touches


def _stakeholder(row: InsightStakeholder) -> Stakeholder:
    return Stakeholder(stakeholder_id=row.stakeholder_id, account_id=row.account_id, role=row.role,
                       person_key=row.person_key, email_key=row.email_key, name=row.name, title=row.title,
                       seniority=row.seniority,
                       identified_at=utc(row.identified_at) if row.identified_at else None,
                       departed_at=utc(row.departed_at) if row.departed_at else None)


def stakeholder_index(session: Session, tenant_id: str, keys: Iterable[str | None]) -> StakeholderIndex:
    """The stakeholder records matching any of these person keys or emails."""
    wanted = sorted({k for k in keys if k})
    found: dict[str, Stakeholder] = {}
    S = InsightStakeholder
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        for row in session.scalars(select(S).where(S.tenant_id == tenant_id,
                                                   or_(S.person_key.in_(chunk), S.email_key.in_(chunk)))):
            found[row.stakeholder_id] = _stakeholder(row)
    return StakeholderIndex(found.values())


def _index_for(session: Session, tenant_id: str, touches: Sequence[Touch]) -> StakeholderIndex:
    return stakeholder_index(session, tenant_id, [t.person_key for t in touches] + [t.email_key for t in touches])


def _accounts(session: Session, tenant_id: str, account_ids: Iterable[str]) -> dict[str, InsightAccount]:
    wanted = sorted(set(account_ids))
    found: dict[str, InsightAccount] = {}
    for start in range(0, len(wanted), CHUNK):
        for row in session.scalars(select(InsightAccount).where(
                InsightAccount.tenant_id == tenant_id, InsightAccount.account_id.in_(wanted[start:start + CHUNK]))):
            found[row.account_id] = row
    return found


# --- shaping -------------------------------------------------------------------------------------

def _item_fields(item: ContentItem) -> dict[str, Any]:
    return {"content_id": item.content_id, "kind": item.kind, "title": item.title, "topics": list(item.topics or []),
            "owner": item.owner, "url": item.url, "published": item.published_at is not None,
            "published_at": _iso(item.published_at)}


def _summary(engagement: ItemEngagement | None, weights: Weights) -> dict[str, Any]:
    e = engagement or ItemEngagement("", [], weights)
    return {
        "score": _r(e.score), "stakeholder_score": _r(e.stakeholder_score), "other_score": _r(e.other_score),
        "by_kind": e.by_kind, "people": len(e.engagers), "stakeholders": len(e.stakeholders),
        "unknown_people": len(e.strangers), "accounts": len(e.by_account), "last_engaged_at": _iso(e.last_at),
    }


def _engager(e: Engager, accounts: dict[str, InsightAccount], weights: Weights) -> dict[str, Any]:
    s = e.stakeholder
    assert s is not None
    account = accounts.get(s.account_id)
    return {"stakeholder_id": s.stakeholder_id, "name": s.name or e.name, "title": s.title, "role": s.role,
            "seniority": s.seniority, "account_id": s.account_id, "account_name": account.name if account else None,
            "departed": s.departed, "by_kind": {k: e.counted(k) for k in KINDS if e.events.get(k)},
            "score": _r(e.score(weights)), "first_engaged_at": _iso(e.first_at), "last_engaged_at": _iso(e.last_at)}


# --- reads ---------------------------------------------------------------------------------------

def list_content(session: Session, *, tenant_id: str, params: PageParams, rep_id: str | None = None,
                 topic: str | None = None, kind: str | None = None, owner: str | None = None,
                 period: Period = Period(), weights: Weights = DEFAULT_WEIGHTS) -> dict[str, Any]:
    """Items with activity in scope, ranked by weighted engagement (ranking.rank_key), paginated."""
    scope = _items_in_scope(tenant_id=tenant_id, rep_id=rep_id, topic=topic, kind=kind, owner=owner, period=period)
    ids = list(session.scalars(scope))
    touches = _touches(session, and_(_engagement_filter(tenant_id, rep_id, period),
                                     EngagementReceived.content_id.in_(scope)))
    engagement = engagement_by_item(touches, _index_for(session, tenant_id, touches), weights)
    latest = _latest_activity(session, tenant_id, scope, rep_id, period)
    for cid, item in engagement.items():
        if item.last_at is not None:
            latest[cid] = max(latest.get(cid, item.last_at), item.last_at)
    ranked = rank([(cid, engagement.get(cid), latest.get(cid)) for cid in ids])
    window = ranked[params.offset:params.offset + params.limit]
    rows = {r.content_id: r for r in session.scalars(select(ContentItem).where(
        ContentItem.tenant_id == tenant_id, ContentItem.content_id.in_(window)))} if window else {}
    shares = _share_counts(session, tenant_id, window, rep_id, period)
    items = []
    for position, cid in enumerate(window, start=params.offset + 1):
        n_shares, n_reps = shares.get(cid, (0, 0))
        items.append({"rank": position, **_item_fields(rows[cid]), "shares": n_shares, "sharing_reps": n_reps,
                      "engagement": _summary(engagement.get(cid), weights)})
    body = page(items, total=len(ids), params=params)
    body["weights"] = weights.as_dict()
    return body


def _latest_activity(session: Session, tenant_id: str, scope: Select[str], rep_id: str | None,
                     period: Period) -> dict[str, datetime]:
    latest: dict[str, datetime] = {}
    for cid, at in session.execute(select(ContentItem.content_id, ContentItem.published_at).where(
            ContentItem.tenant_id == tenant_id, ContentItem.content_id.in_(scope))):
        if at is not None:
            latest[cid] = utc(at)
    for cid, at in session.execute(
            select(ContentShare.content_id, func.max(ContentShare.shared_at))
            .where(ContentShare.tenant_id == tenant_id, ContentShare.content_id.in_(scope),
                   ContentShare.rep_id == rep_id if rep_id else true(), period.holds(ContentShare.shared_at))
            .group_by(ContentShare.content_id)):
        latest[cid] = max(latest.get(cid, utc(at)), utc(at))
    return latest


def _share_counts(session: Session, tenant_id: str, content_ids: list[str], rep_id: str | None,
                  period: Period) -> dict[str, tuple[int, int]]:
    if not content_ids:
        return {}
    S = ContentShare
    return {cid: (int(n), int(reps)) for cid, n, reps in session.execute(
        select(S.content_id, func.count(), func.count(func.distinct(S.rep_id)))
        .where(S.tenant_id == tenant_id, S.content_id.in_(content_ids), S.rep_id == rep_id if rep_id else true(),
               period.holds(S.shared_at))
        .group_by(S.content_id))}


def content_detail(session: Session, *, tenant_id: str, content_id: str, rep_id: str | None = None,
                   period: Period = Period(), weights: Weights = DEFAULT_WEIGHTS,
                   reps: Collection[str] | None = None) -> dict[str, Any]:
    """One item: its shares, its engagement by kind, by rep and by account, the score's lines, and who
    engaged (stakeholders named with role and account; other people counted, not listed). Per-rep
    lines are listed for `reps` only (None: every rep); totals stay."""
    item = session.get(ContentItem, (tenant_id, content_id))
    if item is None:
        raise not_found(f"content {content_id!r}")
    touches = _touches(session, and_(_engagement_filter(tenant_id, rep_id, period),
                                     EngagementReceived.content_id == content_id), by_rep=True)
    index = _index_for(session, tenant_id, touches)
    engagement = engagement_by_item(touches, index, weights).get(content_id) or ItemEngagement(content_id, [], weights)
    by_rep = []
    for rep in sorted({t.rep_id for t in touches if t.rep_id and (reps is None or t.rep_id in reps)}):
        of_rep = engagement_by_item([t for t in touches if t.rep_id == rep], index, weights).get(content_id)
        if of_rep is not None:
            by_rep.append({"rep_id": rep, "score": _r(of_rep.score), "by_kind": of_rep.by_kind,
                           "people": len(of_rep.engagers), "stakeholders": len(of_rep.stakeholders)})
    accounts = _accounts(session, tenant_id, [s.stakeholder.account_id for s in engagement.stakeholders
                                              if s.stakeholder])
    by_account = []
    for a in sorted(engagement.by_account.values(), key=lambda a: (-a.score, a.account_id)):
        account = accounts.get(a.account_id)
        by_account.append({"account_id": a.account_id, "name": account.name if account else None,
                           "tier": account.tier if account else None, "stakeholders": a.stakeholders,
                           "by_kind": a.by_kind, "score": _r(a.score)})
    named = [e for e in engagement.stakeholders if e.stakeholder and not e.stakeholder.anonymous]
    named.sort(key=lambda e: (-e.score(weights), (e.stakeholder.name if e.stakeholder else "") or "", e.identity))
    return {
        **_item_fields(item),
        "shares": _shares(session, tenant_id, content_id, rep_id, period, reps),
        "engagement": {
            **_summary(engagement, weights),
            "repeats_ignored": engagement.repeats_ignored,
            "by_rep": sorted(by_rep, key=lambda r: (-r["score"], r["rep_id"])),
            "by_account": by_account,
            "breakdown": [{"role": c.role, "kind": c.kind, "people": c.people, "kind_weight": c.kind_weight,
                           "role_weight": c.role_weight, "points": _r(c.points)} for c in engagement.breakdown],
        },
        "engaged": {
            "stakeholders": [_engager(e, accounts, weights) for e in named],
            "anonymous_stakeholders": len(engagement.stakeholders) - len(named),
            "unknown_people": len(engagement.strangers),
        },
        "weights": weights.as_dict(),
    }


def _shares(session: Session, tenant_id: str, content_id: str, rep_id: str | None, period: Period,
            visible: Collection[str] | None) -> dict[str, Any]:
    S = ContentShare
    rows = session.execute(
        select(S.rep_id, S.channel, func.count(), func.min(S.shared_at), func.max(S.shared_at))
        .where(S.tenant_id == tenant_id, S.content_id == content_id, S.rep_id == rep_id if rep_id else true(),
               period.holds(S.shared_at))
        .group_by(S.rep_id, S.channel)).all()
    by_channel: dict[str, int] = {}
    reps: dict[str, dict[str, Any]] = {}
    for rep, channel, n, first, last in rows:
        by_channel[channel] = by_channel.get(channel, 0) + int(n)
        entry = reps.setdefault(rep, {"rep_id": rep, "shares": 0, "by_channel": {}, "first_shared_at": first,
                                      "last_shared_at": last})
        entry["shares"] += int(n)
        entry["by_channel"][channel] = int(n)
        entry["first_shared_at"] = min(utc(entry["first_shared_at"]), utc(first))
        entry["last_shared_at"] = max(utc(entry["last_shared_at"]), utc(last))
    listed = [{**r, "first_shared_at": _iso(r["first_shared_at"]), "last_shared_at": _iso(r["last_shared_at"])}
              for r in sorted(reps.values(), key=lambda r: r["rep_id"]) if visible is None or r["rep_id"] in visible]
    return {"total": sum(by_channel.values()), "reps": len(reps), "by_channel": by_channel, "by_rep": listed}


def engagement_given(session: Session, *, tenant_id: str, rep_id: str, period: Period = Period()) -> dict[str, Any]:
    """What the rep gave: likes and other reactions, comments, shares on other people's posts, with
    the stakeholders (and accounts) engaged that way."""
    G = EngagementGiven
    rows = session.execute(select(G.kind, G.person_key, G.email_key, G.person_name, G.at).where(
        G.tenant_id == tenant_id, G.rep_id == rep_id, period.holds(G.at))).all()
    index = stakeholder_index(session, tenant_id, [r[1] for r in rows] + [r[2] for r in rows])
    by_kind: dict[str, int] = {}
    engaged: dict[str, dict[str, Any]] = {}
    unknown: set[str] = set()
    without_person = 0
    for kind, key, email, name, at in rows:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if key is None:
            without_person += 1
            continue
        at = utc(at)
        s = attribute(at, index.candidates(key, email))
        if s is None:
            unknown.add(key)
            continue
        entry = engaged.setdefault(s.stakeholder_id, {"stakeholder": s, "name": name, "by_kind": {}, "last": at})
        entry["by_kind"][kind] = entry["by_kind"].get(kind, 0) + 1
        entry["last"] = max(entry["last"], at)
    accounts = _accounts(session, tenant_id, [e["stakeholder"].account_id for e in engaged.values()])
    per_account: dict[str, dict[str, Any]] = {}
    listed = []
    for entry in engaged.values():
        s = entry["stakeholder"]
        account = accounts.get(s.account_id)
        acc = per_account.setdefault(s.account_id, {"account_id": s.account_id,
                                                    "name": account.name if account else None,
                                                    "stakeholders": 0, "events": 0})
        acc["stakeholders"] += 1
        acc["events"] += sum(entry["by_kind"].values())
        if not s.anonymous:
            listed.append({"stakeholder_id": s.stakeholder_id, "name": s.name or entry["name"], "title": s.title,
                           "role": s.role, "account_id": s.account_id,
                           "account_name": account.name if account else None, "by_kind": entry["by_kind"],
                           "last_engaged_at": _iso(entry["last"])})
    listed.sort(key=lambda x: (-sum(x["by_kind"].values()), x["name"] or "", x["stakeholder_id"]))
    return {
        "rep_id": rep_id, "from": period.start.isoformat() if period.start else None,
        "to": period.end.isoformat() if period.end else None,
        "total": len(rows), "by_kind": dict(sorted(by_kind.items())),
        "stakeholders": listed, "anonymous_stakeholders": len(engaged) - len(listed),
        "by_account": sorted(per_account.values(), key=lambda a: (-a["events"], a["account_id"])),
        "unknown_people": len(unknown), "without_person": without_person,
    }
