"""Per-tenant scoring settings: windows, thresholds and factor weights (admin only to change)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator

from rapportkit import access
from rapportkit.contracts.scoring import ScoringSettingsRead
from rapportkit.db import unit_of_work
from rapportkit.errors import bad_request
from rapportkit.web import IdentityDep, SessionDep
from services.scoring.model import FACTORS
from services.scoring.models import TenantSettingsRow
from services.scoring.queries import tenant_settings

router = APIRouter()
FACTOR_NAMES = {f.name for f in FACTORS}


class SettingsUpdate(BaseModel):
    window_days: int | None = Field(None, ge=1, le=365)
    pitch_window_hours: float | None = Field(None, gt=0, le=24 * 30)
    attribution_window_days: int | None = Field(None, ge=1, le=730)
    spam_min_outbound: int | None = Field(None, ge=1)
    spam_max_reply_rate: float | None = Field(None, ge=0, le=1)
    mass_min_recipients: int | None = Field(None, ge=2)
    intrusive_min_touches: int | None = Field(None, ge=1)
    intrusive_min_share: float | None = Field(None, ge=0, le=1)
    weights: dict[str, float] | None = None

    @field_validator("weights")
    @classmethod
    def known_factors(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for name, weight in (value or {}).items():
            if name not in FACTOR_NAMES:
                raise ValueError(f"unknown factor {name!r}")
            if weight < 0:
                raise ValueError(f"weight of {name!r} must be ≥ 0")
        return value


@router.get("/v1/settings/scoring", response_model=ScoringSettingsRead)
def get_settings(identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.READERS, "read scoring settings")
    return asdict(tenant_settings(session, identity.tenant_id))


@router.put("/v1/settings/scoring", response_model=ScoringSettingsRead)
def put_settings(update: SettingsUpdate, request: Request, identity: IdentityDep,
                 session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.ADMIN, "change scoring settings")
    current = asdict(tenant_settings(session, identity.tenant_id))
    changes = update.model_dump(exclude_none=True)
    merged = {**current, **changes, "weights": {**current["weights"], **changes.get("weights", {})}}
    for pillar in ("insight", "connect", "engage", "brand"):
        total = sum(merged["weights"].get(f.name, f.weight) for f in FACTORS if f.pillar == pillar)
        if total > 25 + 1e-9:
            raise bad_request(["body", "weights"], f"the {pillar} weights add up to {total:g}; at most 25")
    with unit_of_work(request.app.state.session_factory) as write:
        row = write.get(TenantSettingsRow, identity.tenant_id)
        if row is None:
            write.add(TenantSettingsRow(tenant_id=identity.tenant_id, settings=merged))
        else:
            row.settings = merged
    return merged
