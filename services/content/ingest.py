"""Ingest handlers: the state change each accepted content event makes, and what it publishes.

Each returns the event itself, unchanged: attribution to stakeholders is computed on read, so a
published event never carries an attribution that a later insight event would contradict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from rapportkit.db import insert_ignore, utc
from rapportkit.envelope import Event, parse_time
from rapportkit.errors import ApiError
from rapportkit.people import person_key
from services.content.models import ContentItem, ContentShare, ContentTopic, EngagementGiven, EngagementReceived


def normalise_topic(topic: str) -> str:
    """`#CloudCost ` → `cloudcost`: topics match case-insensitively, with or without a hashtag."""
    return topic.strip().lstrip("#").strip().lower()


def person_keys(person: Any, *, field: str = "data.person") -> tuple[str, str | None]:
    """(person key, lowercased email or None); a person without a usable key is the caller's mistake."""
    try:
        key = person_key(person)
    except (ValueError, AttributeError, TypeError) as exc:
        msg = "needs a non-blank profile_url, email or name"
        raise ApiError(422, "validation_error", f"{field}: {msg}", [{"loc": field.split("."), "msg": msg}]) from exc
    email = (person.get("email") or "").strip().lower() or None
    return key, email


def _item(session: Session, tenant_id: str, content_id: str, *, lock: bool = False) -> ContentItem:
    """The item's row, created as a placeholder when the item is not known yet (race-free: two
    requests creating it at once both succeed). A batch's later events find it in the session;
    `lock` holds the row until commit (concurrent edits of one item apply one after the other)."""
    row = session.get(ContentItem, (tenant_id, content_id), with_for_update=lock)
    if row is None:
        insert_ignore(session, ContentItem, {"tenant_id": tenant_id, "content_id": content_id, "topics": []},
                      keys=["tenant_id", "content_id"])
        row = session.get(ContentItem, (tenant_id, content_id), with_for_update=lock)
    assert row is not None
    return row


def item_published(session: Session, event: Event) -> list[Event]:
    data, tenant, at = event["data"], event["tenantid"], parse_time(event["time"])
    row = _item(session, tenant, data["content_id"], lock=True)
    if row.published_at is None or at < utc(row.published_at):
        row.published_at = at
    if row.version_at is None or at >= utc(row.version_at):  # an older version arriving late changes nothing
        row.version_at = at
        row.kind, row.title, row.owner, row.url = data["kind"], data["title"], data["owner"], data.get("url")
        row.topics = list(dict.fromkeys(t.strip() for t in data["topics"] if t.strip()))
        session.execute(delete(ContentTopic).where(ContentTopic.tenant_id == tenant,
                                                   ContentTopic.content_id == data["content_id"]))
        for topic in dict.fromkeys(normalise_topic(t) for t in data["topics"]):
            if topic:
                insert_ignore(session, ContentTopic, {"tenant_id": tenant, "content_id": data["content_id"],
                                                      "topic": topic[:500]},
                              keys=["tenant_id", "content_id", "topic"])
    return [event]


def item_shared(session: Session, event: Event) -> list[Event]:
    data, tenant = event["data"], event["tenantid"]
    _item(session, tenant, data["content_id"])
    session.add(ContentShare(tenant_id=tenant, event_id=event["id"], content_id=data["content_id"],
                             rep_id=data["rep_id"], channel=data["channel"], shared_at=parse_time(event["time"])))
    return [event]


def engagement_recorded(session: Session, event: Event) -> list[Event]:
    data, tenant = event["data"], event["tenantid"]
    key, email = person_keys(data["person"])
    _item(session, tenant, data["content_id"])
    session.add(EngagementReceived(
        tenant_id=tenant, event_id=event["id"], content_id=data["content_id"], rep_id=data["rep_id"],
        kind=data["kind"], at=parse_time(event["time"]), person_key=key, email_key=email,
        person_name=(data["person"].get("name") or None)))
    return [event]


def engagement_given(session: Session, event: Event) -> list[Event]:
    data = event["data"]
    person = data.get("person")
    key, email = person_keys(person) if person is not None else (None, None)
    content_id = data.get("content_id")
    session.add(EngagementGiven(
        tenant_id=event["tenantid"], event_id=event["id"], rep_id=data["rep_id"], kind=data["kind"].strip().lower(),
        at=parse_time(event["time"]), link=data.get("link") or None,
        content_id=content_id[:200] if isinstance(content_id, str) and content_id else None,
        person_key=key, email_key=email, person_name=(person or {}).get("name") or None))
    return [event]


_T = "rapport.content."
INGEST_HANDLERS = {
    f"{_T}item.published": item_published,
    f"{_T}item.shared": item_shared,
    f"{_T}engagement.recorded": engagement_recorded,
    f"{_T}engagement.given": engagement_given,
}
