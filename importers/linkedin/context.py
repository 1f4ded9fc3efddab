"""What row mappers share: the rep, the export's name directory, and the event factory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from importers.events import build_event, event_id
from importers.linkedin.dates import parse_timestamp
from importers.linkedin.directory import GENERIC_NAMES, Directory
from importers.people import Person, has_identity, normalise_name, normalise_profile_url
from importers.result import Event, RowRejected

NO_IDENTITY = "person has no profile URL or email"


def row_time(value: str) -> datetime:
    """Parse a row's date or reject the row (``missing date`` / ``unparseable date``)."""
    if not value.strip():
        raise RowRejected("missing date")
    try:
        return parse_timestamp(value)
    except ValueError:
        raise RowRejected("unparseable date", value) from None


SOURCE = "rapport/import/linkedin"
SYSTEM = "linkedin"


@dataclass(frozen=True)
class RepIdentity:
    """The salesperson whose export this is."""

    rep_id: str
    profile_url: str | None = None
    name: str | None = None
    names: frozenset[str] = frozenset()

    @property
    def key(self) -> str | None:
        """Normalised profile URL of the rep, when known."""
        return normalise_profile_url(self.profile_url) if self.profile_url else None

    def is_rep(self, url: str | None, name: str | None) -> bool:
        """Whether a participant is the rep: by profile URL when both sides have one, else by
        (normalised) name."""
        if url and self.key:
            return normalise_profile_url(url) == self.key
        return bool(name) and normalise_name(name) in self.names


@dataclass
class Context:
    """Per-file mapping context."""

    tenant_id: str
    rep: RepIdentity
    directory: Directory
    kind: str

    def event(self, type_: str, time: datetime, data: dict[str, Any], identity: Iterable[str]) -> Event:
        """A CloudEvent of ``type_`` (prefix ``rapport.`` optional) stamped with the rep.

        Its id is ``uuid5(NAMESPACE, f"{tenant}|linkedin|{file kind}|{type_}|{identity...}")``
        with ``identity`` taken from the row's content (see ``importers.events``).
        """
        return build_event(
            event_id=event_id(self.tenant_id, SYSTEM, self.kind, [type_, *identity]),
            source=SOURCE,
            type_=type_,
            subject=self.rep.rep_id,
            time=time,
            tenant_id=self.tenant_id,
            data={"rep_id": self.rep.rep_id, **data},
        )

    def resolve(self, person: Person, reason: str = NO_IDENTITY) -> tuple[Person, bool]:
        """The person with identity, enriched from the directory; ``(person, matched_by_name)``.

        A person without URL/e-mail is looked up by name (see ``directory``); when that fails
        the person is kept by name alone, a weak identity (docs/contracts.md, "Identity of
        things"); a row naming nobody, or only ``LinkedIn Member``, is rejected with ``reason``.
        """
        if has_identity(person):
            return self.directory.enrich(person), False
        name = person.get("name")
        if normalise_name(name) in GENERIC_NAMES:
            raise RowRejected(reason)
        found = self.directory.resolve(name)
        if found is None:
            return person, False
        return {**found, **person}, has_identity(found)
