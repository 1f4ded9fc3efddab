"""An account's contingency quadrant and the recommended approach."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rapportkit import access
from rapportkit.contracts.scoring import Recommendation
from rapportkit.errors import not_found
from rapportkit.params import PathId
from rapportkit.web import IdentityDep, SessionDep
from services.scoring.models import AccountRow

router = APIRouter()


@router.get("/v1/accounts/{account_id}/recommendation", response_model=Recommendation)
def get_recommendation(account_id: PathId, identity: IdentityDep, session: SessionDep) -> dict[str, Any]:
    access.require(identity, access.READERS, "read recommendations")
    row = session.get(AccountRow, (identity.tenant_id, account_id))
    if row is None or row.quadrant is None:
        raise not_found(f"recommendation for account {account_id!r}")
    return {"account_id": account_id, "quadrant": row.quadrant, "recommendation": row.recommendation,
            "since": row.quadrant_at.isoformat() if row.quadrant_at else None}
