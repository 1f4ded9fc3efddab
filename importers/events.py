"""CloudEvents 1.0 envelopes with deterministic ids.

``id = uuid5(NAMESPACE, f"{tenant_id}|{system}|{file_kind}|{identity}")`` where ``identity``
joins values taken from the row's content (never its line number), so re-importing a file gives
the same ids and a later export with more rows keeps the ids of the rows it shares.
Times are rendered as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from importers.result import Event

NAMESPACE = uuid.UUID("8a4c1e5e-3f0b-5d6a-9b7e-2c4f6a8d0e13")
TYPE_PREFIX = "rapport."

# Limits of the platform's event schemas (rapportkit.catalog): ids, free text, links, short text.
ID_MAX = 200
TEXT_MAX = 20000
LINK_MAX = 2000
SHORT_MAX = 500


def cap_text(text: str, limit: int = TEXT_MAX) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, and whether it was cut."""
    return (text[:limit], True) if len(text) > limit else (text, False)


def short_id(value: str, prefix: str) -> str:
    """``value`` when it fits an id, else ``prefix`` + a uuid5 of it (stable, 200 max)."""
    if len(value) <= ID_MAX:
        return value
    return prefix + uuid.uuid5(NAMESPACE, value).hex


def event_id(tenant_id: str, system: str, file_kind: str, identity: Iterable[str]) -> str:
    """Deterministic event id (see the module docstring)."""
    parts = "|".join(part.strip() for part in identity)
    return str(uuid.uuid5(NAMESPACE, f"{tenant_id}|{system}|{file_kind}|{parts}"))


def iso_z(moment: datetime) -> str:
    """ISO-8601 UTC with a ``Z``; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_event(
    *,
    event_id: str,
    source: str,
    type_: str,
    subject: str,
    time: datetime,
    tenant_id: str,
    data: dict[str, Any],
) -> Event:
    """A structured-mode CloudEvent dict; ``type_`` may omit the ``rapport.`` prefix."""
    full_type = type_ if type_.startswith(TYPE_PREFIX) else TYPE_PREFIX + type_
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": full_type,
        "subject": subject,
        "time": iso_z(time),
        "datacontenttype": "application/json",
        "tenantid": tenant_id,
        "data": data,
    }
