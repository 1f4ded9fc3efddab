"""People: the ``person`` object of docs/contracts.md and its key.

A person is a dict with keys among ``profile_url``, ``email``, ``name``, ``title`` and
``company``. Unknown fields are left out (the platform's JSON Schema types them as strings, so
``null`` would not validate); at least ``profile_url`` or ``email`` is set. Text fields are
capped at 500 characters (the schema's limit).

The person key and URL normalisation are the platform's (``rapportkit.people``), re-exported
here for the importers' modules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from rapportkit.people import normalise_profile_url, person_key

__all__ = ["normalise_profile_url", "person_key"]

Person = dict[str, str]
SHORT_MAX = 500

PERSON_FIELDS = ("profile_url", "email", "name", "title", "company")

_SPACES = re.compile(r"\s+")


def clean(value: str | None) -> str | None:
    """Strip a text value (NBSP and U+2028 count as spaces); empty becomes ``None``."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value.replace("\xa0", " ")).strip()
    return text or None


def with_scheme(url: str) -> str:
    """Return ``url`` with ``https://`` added when it has no scheme."""
    url = url.strip()
    if url and "://" not in url:
        return "https://" + url.lstrip("/")
    return url


def make_person(
    *,
    profile_url: str | None = None,
    email: str | None = None,
    name: str | None = None,
    title: str | None = None,
    company: str | None = None,
) -> Person:
    """Build a person dict with the known fields; the URL gets ``https://`` if it lacks a
    scheme, the e-mail is lower-cased, text fields are capped at ``SHORT_MAX``."""
    url, mail = clean(profile_url), clean(email)
    fields = {
        "profile_url": with_scheme(url) if url else None,
        "email": mail.lower() if mail and len(mail) >= 3 else None,
        "name": clean(name),
        "title": clean(title),
        "company": clean(company),
    }
    return {
        key: value[:SHORT_MAX] if key in ("name", "title", "company") else value
        for key, value in fields.items()
        if value
    }


def has_identity(person: Mapping[str, Any]) -> bool:
    """True when the person carries a profile URL or an e-mail."""
    return bool(person.get("profile_url") or person.get("email"))


def normalise_name(name: str | None) -> str:
    """Case- and space-insensitive form of a display name, for matching names."""
    text = unicodedata.normalize("NFKC", clean(name) or "")
    return text.casefold()


def slugify(text: str) -> str:
    """ASCII slug: ``"Ada Example 🇮🇳"`` -> ``"ada-example"``; empty if nothing is left."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def profile_slug(url: str) -> str:
    """Slug of a profile URL: the handle after ``/in/`` when present, else host and path."""
    key = normalise_profile_url(url)
    match = re.search(r"/in/([^/]+)", key)
    return slugify(match.group(1) if match else key)
