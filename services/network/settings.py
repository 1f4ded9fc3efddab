"""Per-tenant network settings, stored in `network_setting` (one row per kind): the relationship
half-life (docs/relationships.md). A tenant without a row has the defaults (version 0)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from rapportkit.contracts.network import RelationshipSettings
from rapportkit.db import utc
from rapportkit.envelope import format_time
from services.network.models import SettingRow

RELATIONSHIPS = "relationships"


def relationship_settings(session: Session, tenant_id: str) -> RelationshipSettings:
    row = session.get(SettingRow, (tenant_id, RELATIONSHIPS))
    return RelationshipSettings.model_validate(row.value) if row is not None else RelationshipSettings()


def read(session: Session, tenant_id: str) -> dict[str, Any]:
    """The setting as the API shows it: its values, `version` (0 = defaults) and `updated_at`."""
    row = session.get(SettingRow, (tenant_id, RELATIONSHIPS))
    at = utc(row.updated_at) if row is not None else None
    return {**relationship_settings(session, tenant_id).model_dump(mode="json"),
            "version": row.version if row is not None else 0, "updated_at": format_time(at) if at else None}


def change(session: Session, tenant_id: str, value: RelationshipSettings) -> dict[str, Any]:
    """Replace the setting (whatever is left out falls back to its default); the same value twice
    changes nothing."""
    stored = value.model_dump(mode="json")
    row = session.get(SettingRow, (tenant_id, RELATIONSHIPS), with_for_update=True)
    if row is None:
        session.add(SettingRow(tenant_id=tenant_id, kind=RELATIONSHIPS, value=stored, version=1,
                               updated_at=datetime.now(UTC)))
    elif row.value != stored:
        row.value, row.version, row.updated_at = stored, row.version + 1, datetime.now(UTC)
    session.flush()
    return read(session, tenant_id)
