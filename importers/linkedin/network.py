"""Network files: Connections, Invitations, Endorsements and Recommendations received.

* Connections -> ``network.connection.accepted`` at ``Connected On``; the person comes from
  URL, e-mail, name, ``Company`` and ``Position``. A row with only a date is rejected
  (``row has only a date, no person``); a person with neither URL nor e-mail is looked up by
  name in the export (see ``directory``) or rejected.
* Invitations -> ``network.connection.requested``; ``OUTGOING`` is ``outbound`` (person = To),
  ``INCOMING`` is ``inbound`` (person = From); the invitation text goes to ``message``.
* Endorsement_Received_Info -> ``network.endorsement.received`` (person = endorser, skill,
  status). Every status is kept (``status`` says e.g. ``Redacted``): it was still received.
* Recommendations_Received -> ``network.recommendation.received`` (person = recommender,
  ``text``, ``status``).

Row identities use the row's own values that do not change between exports (names, URL or
e-mail, date, skill), not company or title, which change when people change jobs.
"""

from __future__ import annotations

from typing import Any

from importers.events import SHORT_MAX, cap_text
from importers.linkedin.context import Context, row_time
from importers.linkedin.reading import Row
from importers.people import make_person
from importers.result import Event, RowRejected


def map_connection(row: Row, ctx: Context) -> list[Event]:
    """One Connections row."""
    name = f"{row.get('First Name')} {row.get('Last Name')}".strip()
    url, email, date = row.get("URL"), row.get("Email Address"), row.get("Connected On")
    if not (name or url or email):
        raise RowRejected("row has only a date, no person" if date else "empty row")
    time = row_time(date)
    person = make_person(profile_url=url, email=email, name=name, title=row.get("Position"), company=row.get("Company"))
    person, by_name = ctx.resolve(person)
    data: dict[str, Any] = {"person": person}
    if by_name:
        data["matched_by"] = "name"
    identity = [(url or email or name).lower(), date]
    return [ctx.event("network.connection.accepted", time, data, identity)]


def map_invitation(row: Row, ctx: Context) -> list[Event]:
    """One Invitations row."""
    direction = row.get("Direction").upper()
    if direction == "OUTGOING":
        name, url, wire = row.get("To"), row.get("inviteeProfileUrl"), "outbound"
    elif direction == "INCOMING":
        name, url, wire = row.get("From"), row.get("inviterProfileUrl"), "inbound"
    else:
        raise RowRejected("unknown invitation direction", direction or None)
    if not (name or url):
        raise RowRejected("row has only a date, no person")
    time = row_time(row.get("Sent At"))
    person, by_name = ctx.resolve(make_person(profile_url=url, name=name))
    data: dict[str, Any] = {"person": person, "direction": wire}
    message = row.get("Message")
    if message:
        data["message"] = cap_text(message)[0]
    if by_name:
        data["matched_by"] = "name"
    identity = [direction, (url or name).lower(), row.get("Sent At")]
    return [ctx.event("network.connection.requested", time, data, identity)]


def map_endorsement(row: Row, ctx: Context) -> list[Event]:
    """One Endorsement_Received_Info row."""
    first, last = row.get("Endorser First Name"), row.get("Endorser Last Name")
    skill, url, date = row.get("Skill Name"), row.get("Endorser Public Url"), row.get("Endorsement Date")
    name = f"{first} {last}".strip()
    if not (name or url):
        raise RowRejected("row has only a date, no person")
    if not skill:
        raise RowRejected("endorsement has no skill")
    time = row_time(date)
    person, by_name = ctx.resolve(make_person(profile_url=url, name=name))
    data: dict[str, Any] = {"person": person, "skill": skill[:SHORT_MAX]}
    if row.get("Endorsement Status"):
        data["status"] = row.get("Endorsement Status").lower()
    if by_name:
        data["matched_by"] = "name"
    identity = [date, skill.lower(), name.lower()]
    return [ctx.event("network.endorsement.received", time, data, identity)]


def map_recommendation(row: Row, ctx: Context) -> list[Event]:
    """One Recommendations_Received row."""
    name = f"{row.get('First Name')} {row.get('Last Name')}".strip()
    date = row.get("Creation Date")
    if not name:
        raise RowRejected("row has only a date, no person")
    time = row_time(date)
    person = make_person(name=name, title=row.get("Job Title"), company=row.get("Company"))
    person, by_name = ctx.resolve(person)
    data: dict[str, Any] = {"person": person}
    data["text"], truncated = cap_text(row.get("Text"))
    if truncated:
        data["text_truncated"] = True
    if row.get("Status"):
        data["status"] = row.get("Status").lower()
    if by_name:
        data["matched_by"] = "name"
    identity = [name.lower(), date]
    return [ctx.event("network.recommendation.received", time, data, identity)]
