"""Working out whose export this is (the rep).

Order of evidence, each filling what the previous one left unknown:

1. the caller's ``rep_id`` / ``rep_profile_url`` (always win);
2. ``Profile.csv``: first and last name (the file has no profile URL);
3. messages: the participant present in the most conversations, counted by profile URL
   (sender URL, recipient URLs, and a ``TO`` that is exactly the name of a sender with a
   URL); when the file has no URLs at all (2018 ``Messages.csv``), by name, using the
   ``Direction`` column (OUTGOING sender / INCOMING recipient);
4. Invitations: the sender of OUTGOING and the recipient of INCOMING invitations (with
   ``inviterProfileUrl``/``inviteeProfileUrl`` when present).

``rep_id`` defaults to the slug of the profile handle (``linkedin.com/in/ada-example`` ->
``ada-example``), else the slug of the name, else ``"unknown"`` with a warning. Every name
seen for the rep is kept so rows without URLs can still be recognised as the rep's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from importers.linkedin.context import RepIdentity
from importers.linkedin.directory import GENERIC_NAMES, split_urls
from importers.linkedin.reading import Table
from importers.people import (
    clean,
    normalise_name,
    normalise_profile_url,
    profile_slug,
    slugify,
    with_scheme,
)

UNKNOWN_REP = "unknown"


def _profile_name(tables: Sequence[Table]) -> str | None:
    for table in tables:
        for row in table.rows:
            name = clean(f"{row.get('First Name')} {row.get('Last Name')}")
            if name:
                return name
    return None


def _top(counter: Counter[str]) -> str | None:
    if not counter:
        return None
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


def _from_messages(tables: Sequence[Table]) -> tuple[str | None, str | None]:
    """``(profile_url, name)`` of the most present participant."""
    by_url: dict[str, set[str]] = {}
    names_by_url: dict[str, Counter[str]] = {}
    by_name: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    spelled_url: dict[str, str] = {}
    for table in tables:
        url_of_name: dict[str, str] = {}
        for row in table.rows:
            url, name = row.get("Sender Profile URL"), row.get("From")
            if url and normalise_name(name) not in GENERIC_NAMES:
                url_of_name.setdefault(normalise_name(name), url)
        for row in table.rows:
            conversation = row.get("Conversation ID") or f"row{row.line}"
            sender_url, sender = row.get("Sender Profile URL"), row.get("From")
            recipients = row.get("To")
            participants = [sender_url] + split_urls(row.get("Recipient Profile URLs"))
            participants.append(url_of_name.get(normalise_name(recipients), ""))
            for url in filter(None, participants):
                key = normalise_profile_url(url)
                spelled_url.setdefault(key, with_scheme(url))
                by_url.setdefault(key, set()).add(conversation)
                if url == sender_url and sender:
                    names_by_url.setdefault(key, Counter())[sender] += 1
            direction = row.get("Direction").upper()
            if direction in ("OUTGOING", "INCOMING") and not sender_url:
                name = sender if direction == "OUTGOING" else recipients
                if normalise_name(name) not in GENERIC_NAMES:
                    by_name[normalise_name(name)] += 1
                    spelled.setdefault(normalise_name(name), name)
    top_url = _top(Counter({key: len(convs) for key, convs in by_url.items()}))
    if top_url:
        return spelled_url[top_url], _top(names_by_url.get(top_url, Counter()))
    top_name = _top(by_name)
    return None, spelled.get(top_name) if top_name else None


def _from_invitations(tables: Sequence[Table]) -> tuple[str | None, str | None]:
    urls: Counter[str] = Counter()
    names: Counter[str] = Counter()
    spelled_url: dict[str, str] = {}
    for table in tables:
        for row in table.rows:
            direction = row.get("Direction").upper()
            if direction == "OUTGOING":
                url, name = row.get("inviterProfileUrl"), row.get("From")
            elif direction == "INCOMING":
                url, name = row.get("inviteeProfileUrl"), row.get("To")
            else:
                continue
            if url:
                urls[normalise_profile_url(url)] += 1
                spelled_url.setdefault(normalise_profile_url(url), with_scheme(url))
            if name:
                names[name] += 1
    top_url = _top(urls)
    return (spelled_url[top_url] if top_url else None), _top(names)


def detect_rep(
    *,
    profile: Sequence[Table],
    messages: Sequence[Table],
    invitations: Sequence[Table],
    rep_id: str | None,
    rep_profile_url: str | None,
) -> tuple[RepIdentity, list[str]]:
    """The rep of an export plus warnings (see the module docstring)."""
    profile_name = _profile_name(profile)
    message_url, message_name = _from_messages(messages)
    invitation_url, invitation_name = _from_invitations(invitations)
    if rep_profile_url:
        # Names seen for another participant's URL do not describe the declared rep.
        override = normalise_profile_url(rep_profile_url)
        if message_url and normalise_profile_url(message_url) != override:
            message_name = None
        if invitation_url and normalise_profile_url(invitation_url) != override:
            invitation_name = None
    url = rep_profile_url or message_url or invitation_url
    name = profile_name or message_name or invitation_name
    names = frozenset(normalise_name(value) for value in (profile_name, message_name, invitation_name) if value)
    warnings: list[str] = []
    if not rep_id:
        rep_id = ((profile_slug(url) if url else "") or (slugify(name) if name else ""))[:200]
    if not rep_id:
        rep_id = UNKNOWN_REP
        warnings.append("could not work out the rep from the export; rep_id set to 'unknown'")
    return RepIdentity(rep_id=rep_id, profile_url=url, name=name, names=names), warnings
