"""messages.csv (2021+) and Messages.csv (2018) -> ``network.message.sent`` / ``.received``.

* A message whose sender is the rep is ``sent``; one event per recipient (person = that
  recipient). Recipients come from ``RECIPIENT PROFILE URLS`` split on commas (the ``TO``
  names are never split: names contain commas). Files without that column name recipients
  only in ``TO``; they are then taken from the other participants of the same conversation
  whose URL the file shows (``"matched_by": "conversation"``): those whose name occurs in
  ``TO``; else all of them when ``TO`` is empty or the conversation has only one other
  participant; else the ``TO`` name is looked up in the export's directory.
* Any other message is ``received``; person = the sender.
* Data: ``conversation_id``, ``channel`` ``linkedin``, ``person``, ``text`` (raw content, HTML
  kept), ``length``, ``is_html``, ``sponsored``, plus ``subject``, ``conversation_title``,
  ``folder``, ``attachments`` when present.
* Rejected rows: drafts (``IS MESSAGE DRAFT``/``IS CONVERSATION DRAFT`` = Yes: never sent);
  sponsored / InMail messages whose sender has no profile URL (``LinkedIn Member`` or HTML
  content); senders or recipients without URL/e-mail that cannot be resolved.
* 2018 files have no conversation ids or URLs: ``Direction`` says sent/received, people are
  resolved by name, and ``conversation_id`` is derived from the counterpart (one conversation
  per person): ``derived-`` + 20 hex digits of a uuid5 of the counterpart's key.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from importers.events import NAMESPACE, cap_text, short_id
from importers.linkedin.context import Context, row_time
from importers.linkedin.directory import GENERIC_NAMES, split_urls
from importers.linkedin.reading import Row, Table
from importers.people import Person, has_identity, make_person, normalise_name, person_key
from importers.result import Event, RowRejected

_HTML = re.compile(
    r"<\s*/?\s*(p|br|div|span|a|table|tr|td|img|html|body|b|i|u|strong|em|ul|ol|li|h[1-6])\b[^>]*>",
    re.IGNORECASE,
)
_YES = frozenset({"yes", "true", "1", "y"})
RECIPIENT_UNKNOWN = "recipient has no profile URL or email"
SENDER_UNKNOWN = "sender has no profile URL or email"
SPONSORED = "sponsored message without sender profile URL"

Recipient = tuple[Person, str | None]


def is_html(text: str) -> bool:
    """Whether a message body is HTML (sponsored InMail, LinkedIn notices)."""
    return bool(_HTML.search(text))


def _participants(table: Table, ctx: Context) -> dict[str, dict[str, Person]]:
    """Per conversation, the non-rep participants whose profile URL the file shows."""
    found: dict[str, dict[str, Person]] = {}
    for row in table.rows:
        people = found.setdefault(short_id(row.get("Conversation ID"), "conversation-"), {})
        pairs = [(row.get("Sender Profile URL"), row.get("From"))]
        urls = split_urls(row.get("Recipient Profile URLs"))
        pairs += [(url, row.get("To") if len(urls) == 1 else "") for url in urls]
        for url, name in pairs:
            if url and not ctx.rep.is_rep(url, name or None):
                person = make_person(profile_url=url, name=name)
                known = people.setdefault(person_key(person), person)
                if "name" in person:
                    known.setdefault("name", person["name"])
    return found


def _recipients(row: Row, ctx: Context, known: dict[str, Person]) -> list[Recipient]:
    urls = [url for url in split_urls(row.get("Recipient Profile URLs")) if not ctx.rep.is_rep(url, None)]
    if urls:
        name = row.get("To") if len(urls) == 1 else None
        return [(ctx.directory.enrich(make_person(profile_url=url, name=name)), None) for url in urls]
    to = normalise_name(row.get("To"))
    named = [p for p in known.values() if p.get("name") and normalise_name(p.get("name")) in to]
    if named or (known and (not to or len(known) == 1)):
        chosen = named or list(known.values())
        return [(ctx.directory.enrich(dict(person)), "conversation") for person in chosen]
    found = ctx.directory.resolve(row.get("To"))
    if found:
        return [(found, "name" if has_identity(found) else None)]
    weak = make_person(name=row.get("To"))  # known by name alone: a weak identity
    return [(weak, None)] if normalise_name(weak.get("name")) not in GENERIC_NAMES else []


def _data(row: Row, content: str, person: Person, conversation: str, sponsored: bool) -> dict[str, Any]:
    text, truncated = cap_text(content)
    data: dict[str, Any] = {
        "conversation_id": conversation,
        "channel": "linkedin",
        "person": person,
        "text": text,
        "length": len(content),
        "is_html": is_html(content),
        "sponsored": sponsored,
    }
    if truncated:
        data["text_truncated"] = True
    for field, column in (
        ("subject", "Subject"),
        ("conversation_title", "Conversation Title"),
        ("folder", "Folder"),
        ("attachments", "Attachments"),
    ):
        if row.get(column):
            data[field] = row.get(column)
    return data


def _map_row(row: Row, ctx: Context, participants: dict[str, dict[str, Person]]) -> list[Event]:
    if row.get("Is Message Draft").lower() in _YES or row.get("Is Conversation Draft").lower() in _YES:
        raise RowRejected("draft message (never sent)")
    conversation = short_id(row.get("Conversation ID"), "conversation-")
    if not conversation:
        raise RowRejected("message has no conversation id")
    date, content = row.get("Date"), row.raw("Content")
    time = row_time(date)
    sender_url, sender = row.get("Sender Profile URL"), row.get("From")
    sponsored = not sender_url and (normalise_name(sender) in GENERIC_NAMES or is_html(content))
    identity = [conversation, sender_url or sender, date, content]
    if ctx.rep.is_rep(sender_url or None, sender or None):
        recipients = _recipients(row, ctx, participants.get(conversation, {}))
        if not recipients:
            raise RowRejected(RECIPIENT_UNKNOWN)
        events = []
        for person, matched_by in recipients:
            data = _data(row, content, person, conversation, sponsored)
            if matched_by:
                data["matched_by"] = matched_by
            key = [*identity, person_key(person)]
            events.append(ctx.event("network.message.sent", time, data, key))
        return events
    if not (sender or sender_url):
        raise RowRejected("message has no sender")
    reason = SPONSORED if sponsored else SENDER_UNKNOWN
    person, by_name = ctx.resolve(make_person(profile_url=sender_url, name=sender), reason)
    if sponsored and not has_identity(person):  # sponsored InMail stays out, whatever its sender's name
        raise RowRejected(SPONSORED)
    data = _data(row, content, person, conversation, sponsored)
    if by_name:
        data["matched_by"] = "name"
    return [ctx.event("network.message.received", time, data, identity)]


def derived_conversation_id(person: Person) -> str:
    """Conversation id for 2018 files: one conversation per counterpart."""
    return "derived-" + uuid.uuid5(NAMESPACE, "conversation|" + person_key(person)).hex[:20]


def _map_2018(row: Row, ctx: Context) -> list[Event]:
    direction = row.get("Direction").upper()
    if not direction:
        direction = "OUTGOING" if ctx.rep.is_rep(None, row.get("From")) else "INCOMING"
    if direction == "OUTGOING":
        type_, name, reason = "network.message.sent", row.get("To"), RECIPIENT_UNKNOWN
    elif direction == "INCOMING":
        type_, name, reason = "network.message.received", row.get("From"), SENDER_UNKNOWN
    else:
        raise RowRejected("unknown message direction", direction)
    date, content = row.get("Date"), row.raw("Content")
    time = row_time(date)
    if not name:
        raise RowRejected("message has no sender" if direction == "INCOMING" else RECIPIENT_UNKNOWN)
    person, by_name = ctx.resolve(make_person(name=name), reason)
    data = _data(row, content, person, derived_conversation_id(person), False)
    if by_name:
        data["matched_by"] = "name"
    identity = [row.get("From"), row.get("To"), date, row.get("Subject"), content]
    return [ctx.event(type_, time, data, identity)]


def mapper(table: Table, ctx: Context) -> Callable[[Row], list[Event]]:
    """Row mapper for a messages file (2018 or later layout)."""
    if "conversationid" not in table.columns:
        return lambda row: _map_2018(row, ctx)
    participants = _participants(table, ctx)
    return lambda row: _map_row(row, ctx, participants)
