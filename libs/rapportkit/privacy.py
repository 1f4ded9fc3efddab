"""Erasure helpers every service and the gateway share: the one shape of a service's answer to an
erasure request, and the strings by which a text mentions the person (the gateway redacts import
jobs and stream buffers with them). Outbox copies need no scrubbing: their personal fields are
sealed, and the erasure destroys the keys (rapportkit.sealing, docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from rapportkit import jsonutil
from rapportkit.envelope import Event, new_event
from rapportkit.people import erasure_keys, normalise_profile_url, person_key

REDACTED = "[erased]"


def pseudonym(request_id: str) -> str:
    """What stands for an erased person: one distinct person per request, naming nobody."""
    return f"erased:{request_id}"


def erasure_completed(request: Event, *, service: str) -> Event:
    """`privacy.erasure.completed` for `request` by `service` (id derived from the request's, so a
    redelivered request does not publish twice). Its `person` is the request's pseudonym, never the
    person: the completion is stored in the service's outbox and the gateway needs only the ids."""
    data = request["data"]
    return new_event(
        type="rapport.privacy.erasure.completed", tenant_id=request["tenantid"], source=f"rapport/{service}",
        id=f"erasure-completed-{service}-{request['id']}", time=datetime.now(UTC), subject=data["request_id"],
        data={"request_id": data["request_id"], "person": {"email": pseudonym(data["request_id"])},
              "service": service})


def needles_of(person: Mapping[str, Any]) -> list[str]:
    """Lowercase strings whose presence in a text means it mentions the person: the person key and
    every erasure key, the profile URL as given and normalised, the e-mail and the name (three
    characters or more)."""
    found: set[str] = set(erasure_keys(person))
    url = str(person.get("profile_url") or "").strip().lower()
    if url:
        found.update({url, normalise_profile_url(url)})
    for field in ("email", "name"):
        value = str(person.get(field) or "").strip().lower()
        if len(value) >= 3:
            found.add(value)
    try:
        found.add(person_key(person).lower())
    except ValueError:
        pass
    return sorted(n for n in found if len(n) >= 3)


def mentions(text: str, needles: Iterable[str]) -> bool:
    lowered = text.lower()
    return any(n in lowered for n in needles)


def redact(value: Any, needles: list[str]) -> Any:
    """`value` (JSON) with every string that mentions the person replaced by `[erased]`, and every
    `person` object that mentions them replaced whole (its title and company go too)."""
    if isinstance(value, str):
        return REDACTED if mentions(value, needles) else value
    if isinstance(value, list):
        return [redact(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: ({"name": REDACTED} if k == "person" and isinstance(v, dict)
                    and mentions(jsonutil.dumps(v).decode(), needles) else redact(v, needles))
                for k, v in value.items()}
    return value
