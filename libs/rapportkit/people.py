"""The person key of docs/contracts.md: the normalised profile URL, else the lowercased email,
else the weak key of the name (plus company where given).

URL normalisation: lowercase host and path, no scheme, no `www.`, no query or fragment, no
trailing slash — `https://www.LinkedIn.com/in/Ada/?trk=x` → `linkedin.com/in/ada`.

Weak key (people known only by name, as older LinkedIn exports list them): `name:` + the name
NFKC-normalised, case-folded, spaces collapsed, then `|` + the company treated alike when given —
`{"name": "Ada  LOVELACE", "company": "Acme"}` → `name:ada lovelace|acme`. Two people of the same
name and company share it; that is why it is weak, and why a service maps it to the strong key of
the same name (and company) once one is seen (`weak_keys`; docs/architecture.md, "People known by
name").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

WEAK_PREFIX = "name:"
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)  # pure, and called several times per event (keys, erasure keys, sealing)
def normalise_profile_url(url: str) -> str:
    text = url.strip()
    if "://" not in text:
        text = "//" + text
    parts = urlsplit(text)
    host = parts.netloc.lower().rsplit("@", 1)[-1].removeprefix("www.")
    if host.endswith((":80", ":443")):
        host = host.rsplit(":", 1)[0]
    return host + parts.path.lower().rstrip("/")


def _fold(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).replace("\xa0", " ")).strip().casefold()


def weak_key(name: Any, company: Any = None) -> str | None:
    """The weak key of a name (and company), or None for a blank name."""
    folded = _fold(name)
    if not folded:
        return None
    firm = _fold(company)
    return WEAK_PREFIX + folded + (f"|{firm}" if firm else "")


def is_weak(key: str) -> bool:
    """Whether a person key is a weak (name) key."""
    return key.startswith(WEAK_PREFIX)


def strong_key(person: Mapping[str, Any]) -> str | None:
    """The normalised profile URL, else the lowercased email; None when there is neither."""
    url = (person.get("profile_url") or "").strip()
    if url:
        key = normalise_profile_url(url)
        if key:
            return key
    email = (person.get("email") or "").strip().lower()
    return email or None


def person_key(person: Mapping[str, Any]) -> str:
    """Key of a person dict: strong when it has a profile_url or email, else weak (name and
    company); raises ValueError when it has none of them."""
    key = strong_key(person) or weak_key(person.get("name"), person.get("company"))
    if key is None:
        raise ValueError("person needs a profile_url, an email or a name")
    return key


def weak_keys(person: Mapping[str, Any]) -> list[str]:
    """The weak keys a person with a strong key and a name also answers to: name and company
    (when given), and the name alone."""
    keys = [weak_key(person.get("name"), person.get("company")), weak_key(person.get("name"))]
    return list(dict.fromkeys(key for key in keys if key))


def erasure_keys(person: Mapping[str, Any]) -> frozenset[str]:
    """Every key an erasure request for `person` reaches: the normalised profile URL and the
    lowercased e-mail; and the weak key of the name with the company when both are given (the same
    person imported by name from an older export). The name alone is used only when the request
    has no URL or e-mail: beside a strong identity, a bare name may well be somebody else's."""
    keys = strong_keys(person)
    named = weak_key(person.get("name"), person.get("company")) if person.get("company") or not keys else None
    return keys | {named} if named else keys


def strong_keys(person: Mapping[str, Any]) -> frozenset[str]:
    """Both strong keys a person dict may carry: the normalised profile URL and the lowercased
    e-mail (`strong_key` picks one; a stored row may be under either)."""
    keys = set()
    url = str(person.get("profile_url") or "").strip()
    if url and normalise_profile_url(url):
        keys.add(normalise_profile_url(url))
    email = str(person.get("email") or "").strip().lower()
    if email:
        keys.add(email)
    return frozenset(keys)


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
        msg = "needs a profile_url, an email or a name that is not blank"
        raise ApiError(422, "validation_error", f"event {event['id']}: data.{field}: {msg}",
                       [{"loc": ["data", field], "msg": msg}]) from exc
