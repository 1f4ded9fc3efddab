"""The person key of docs/contracts.md: the normalised profile URL, else the lowercased email.

URL normalisation: lowercase host and path, no scheme, no `www.`, no query or fragment, no
trailing slash — `https://www.LinkedIn.com/in/Ada/?trk=x` → `linkedin.com/in/ada`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


def normalise_profile_url(url: str) -> str:
    text = url.strip()
    if "://" not in text:
        text = "//" + text
    parts = urlsplit(text)
    host = parts.netloc.lower().rsplit("@", 1)[-1].removeprefix("www.")
    if host.endswith((":80", ":443")):
        host = host.rsplit(":", 1)[0]
    return host + parts.path.lower().rstrip("/")


def person_key(person: Mapping[str, Any]) -> str:
    """Key of a person dict; raises ValueError when it has neither profile_url nor email."""
    url = (person.get("profile_url") or "").strip()
    if url:
        key = normalise_profile_url(url)
        if key:
            return key
    email = (person.get("email") or "").strip().lower()
    if email:
        return email
    raise ValueError("person needs a profile_url or an email")


def person_key_or_none(person: Any) -> str | None:
    """The key of a person dict, or None when there is no usable one (or no dict at all)."""
    try:
        return person_key(person) if isinstance(person, Mapping) else None
    except ValueError:
        return None


def require_person_key(event: Mapping[str, Any], field: str = "person") -> str:
    """The key of `data.<field>` of an event being ingested; a 422 naming the field when it has none
    (the schema admits e.g. a profile URL that normalises to nothing)."""
    from rapportkit.errors import ApiError

    try:
        return person_key(event["data"][field])
    except ValueError as exc:
        msg = "needs a profile_url or an email that is not blank"
        raise ApiError(422, "validation_error", f"event {event['id']}: data.{field}: {msg}",
                       [{"loc": ["data", field], "msg": msg}]) from exc
