"""Resolving people known only by name, from elsewhere in the same export.

Older exports name people without URL or e-mail (Connections before July 2023, Invitations
before 2024, 2018 messages, Recommendations, endorsements of 2022). The importer first looks the
name up in a directory built from rows of the SAME export that pair a name with a URL or e-mail
(connections with URL/e-mail, message senders, single-recipient messages, invitations with URL
columns, endorsements with a URL); resolved events say so with ``"matched_by": "name"``. Else it
looks for the one person of that name the export lists with a company (a Connections row without
URL), so an invitation and a connection of the same person get the same weak key (name and
company). Else the person is known by name alone: a weak identity (docs/contracts.md), merged by
the services into the strong one once a record with a URL names them (docs/architecture.md).
A name is resolved only when it maps to exactly one person. The generic sender ``LinkedIn
Member`` and the rep are never entered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from importers.linkedin.catalog import CONNECTIONS, ENDORSEMENTS, INVITATIONS, MESSAGES
from importers.linkedin.reading import Table
from importers.people import Person, has_identity, make_person, normalise_name, person_key

GENERIC_NAMES = frozenset({"linkedin member", "linkedin", ""})


class Directory:
    """Name -> person index over one export (see the module docstring)."""

    def __init__(self) -> None:
        self._keys_by_name: dict[str, set[str]] = {}
        self._weak_by_name: dict[str, set[str]] = {}
        self._people: dict[str, Person] = {}

    def add(self, person: Person) -> None:
        """Index a person that has a name and a profile URL, an e-mail or a company."""
        name = normalise_name(person.get("name"))
        if name in GENERIC_NAMES or not (has_identity(person) or person.get("company")):
            return
        key = person_key(person)
        (self._keys_by_name if has_identity(person) else self._weak_by_name).setdefault(name, set()).add(key)
        known = self._people.setdefault(key, dict(person))
        for field, value in person.items():
            known.setdefault(field, value)

    def resolve(self, name: str | None) -> Person | None:
        """The one person known by this name with a URL or e-mail, else the one known with a
        company, or ``None`` (unknown or ambiguous)."""
        keys = self._keys_by_name.get(normalise_name(name), set())
        if not keys:
            keys = self._weak_by_name.get(normalise_name(name), set())
        if len(keys) != 1:
            return None
        return dict(self._people[next(iter(keys))])

    def enrich(self, person: Person) -> Person:
        """Fill the person's unknown fields (title, company...) from the directory."""
        if not has_identity(person):
            return person
        known = self._people.get(person_key(person))
        if known is None:
            return person
        return {**known, **person}

    def __len__(self) -> int:
        return len(self._people)


def split_urls(value: str) -> list[str]:
    """Profile URLs of a comma-joined ``RECIPIENT PROFILE URLS`` cell (names are not split:
    they may contain commas)."""
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def build_directory(tables: Iterable[tuple[str, Table]], is_rep: Callable[[str | None, str | None], bool]) -> Directory:
    """Index every (name, URL/e-mail) pair the export's activity files state."""
    directory = Directory()

    def add(url: str, name: str, email: str = "", title: str = "", company: str = "") -> None:
        if (url or email or company) and not is_rep(url or None, name or None):
            directory.add(make_person(profile_url=url, email=email, name=name, title=title, company=company))

    for kind, table in tables:
        for row in table.rows:
            if kind == CONNECTIONS:
                add(
                    row.get("URL"),
                    f"{row.get('First Name')} {row.get('Last Name')}",
                    row.get("Email Address"),
                    row.get("Position"),
                    row.get("Company"),
                )
            elif kind == MESSAGES:
                add(row.get("Sender Profile URL"), row.get("From"))
                recipients = split_urls(row.get("Recipient Profile URLs"))
                if len(recipients) == 1:
                    add(recipients[0], row.get("To"))
            elif kind == INVITATIONS:
                add(row.get("inviterProfileUrl"), row.get("From"))
                add(row.get("inviteeProfileUrl"), row.get("To"))
            elif kind == ENDORSEMENTS:
                add(
                    row.get("Endorser Public Url"),
                    f"{row.get('Endorser First Name')} {row.get('Endorser Last Name')}",
                )
    return directory
