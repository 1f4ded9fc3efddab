"""Per-tenant insight settings: the ICP and the quadrant rules, stored in `tenant_setting`.

Locking (PostgreSQL): whoever computes a fit or a quadrant first takes a shared lock on the
tenant's settings rows (`rules_for`), before any account row; a settings change takes them
exclusively (`lock_for_update`) and then rescores every account. So an event applied while the
ICP changes is either scored with the old rules and then rescored, or scored with the new ones —
never left behind with stale rules. Within one unit of work the rules are read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapportkit.contracts.insight import IcpProfile, QuadrantRules
from rapportkit.db import insert_ignore
from services.insight.models import TenantSetting

ICP, QUADRANT = "icp", "quadrant"
DEFAULTS: dict[str, Any] = {ICP: IcpProfile(), QUADRANT: QuadrantRules()}


@dataclass(frozen=True)
class TenantRules:
    icp: IcpProfile
    icp_version: int
    quadrant: QuadrantRules
    quadrant_version: int


def _ensure(session: Session, tenant_id: str) -> None:
    for kind, default in DEFAULTS.items():
        insert_ignore(session, TenantSetting,
                      {"tenant_id": tenant_id, "kind": kind, "value": default.model_dump(mode="json"),
                       "version": 0, "updated_at": datetime.now(UTC)},
                      keys=["tenant_id", "kind"])


def _rows(session: Session, tenant_id: str, *, exclusive: bool) -> dict[str, TenantSetting]:
    _ensure(session, tenant_id)
    stmt = (select(TenantSetting).where(TenantSetting.tenant_id == tenant_id)
            .order_by(TenantSetting.kind).execution_options(populate_existing=True))
    stmt = stmt.with_for_update(read=not exclusive)
    return {row.kind: row for row in session.scalars(stmt)}


def _rules(rows: dict[str, TenantSetting]) -> TenantRules:
    return TenantRules(icp=IcpProfile.model_validate(rows[ICP].value), icp_version=rows[ICP].version,
                       quadrant=QuadrantRules.model_validate(rows[QUADRANT].value),
                       quadrant_version=rows[QUADRANT].version)


def rules_for(session: Session, tenant_id: str) -> TenantRules:
    """The tenant's rules, share-locked for the rest of the transaction (read once per session)."""
    cache: dict[str, TenantRules] = session.info.setdefault("insight_rules", {})
    if tenant_id not in cache:
        cache[tenant_id] = _rules(_rows(session, tenant_id, exclusive=False))
    return cache[tenant_id]


def lock_for_update(session: Session, tenant_id: str) -> dict[str, TenantSetting]:
    """The tenant's settings rows, locked exclusively (a settings change)."""
    session.info.pop("insight_rules", None)
    return _rows(session, tenant_id, exclusive=True)


def read(session: Session, tenant_id: str, kind: str) -> dict[str, Any]:
    """A setting as the API shows it: its values, `version` (0 = defaults) and `updated_at`."""
    row = session.get(TenantSetting, (tenant_id, kind))
    value = row.value if row is not None else DEFAULTS[kind].model_dump(mode="json")
    model = DEFAULTS[kind].model_validate(value)
    return {**model.model_dump(mode="json"), "version": row.version if row else 0,
            "updated_at": row.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z") if row else None}
