"""Deletion of a whole tenant: `DELETE /v1/admin/tenants/{tenant_id}` (the platform admin only) and
`GET /v1/privacy/tenant-deletions/{request_id}`, its progress (docs/privacy.md, "Tenant deletion").

In one transaction the DELETE deletes every row of the tenant from the gateway's own tables (the
directory, its API keys, erasure requests, import jobs, outbox and inbox; `rapportkit.tenants`),
stores a `TenantDeletion` and stages `rapport.privacy.tenant_deletion.requested`. After the commit
the tenant's keys are dropped from this process's key cache, so they answer 401 at once, and its
event-stream buffer and clients are dropped. Every service consumes the event, deletes every row
of the tenant in its own database and publishes `privacy.tenant_deletion.completed`; the gateway's
consumer records each completion (`HANDLERS`), and the request is `complete` once all four have.

A second DELETE of a deleted tenant answers its latest request (202); an id that was never a
tenant is a 404 naming `tenant_id`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth import KEYS, CallerDep
from gateway.models import ApiKey, Base, Tenant, TenantDeletion
from gateway.privacy import ServiceCompletion, note_completion, progress
from rapportkit import keyring, outbox
from rapportkit.consumer import Handler
from rapportkit.db import read_session, unit_of_work
from rapportkit.envelope import Event, new_event, validate
from rapportkit.errors import ApiError, not_found
from rapportkit.params import PathId
from rapportkit.tenants import COMPLETED, REQUESTED, delete_tenant

log = logging.getLogger(__name__)
router = APIRouter(tags=["admin"])
SOURCE = "rapport/gateway"

TenantPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                                 description="lowercase letters, digits, `-` and `_`, up to 64")]


class TenantDeletionRead(BaseModel):
    """A tenant deletion and each service's completion."""

    request_id: str
    tenant_id: str
    status: Literal["pending", "complete"]
    status_url: str
    requested_at: datetime
    completed_at: datetime | None
    services: dict[str, ServiceCompletion]


def status_url(request_id: str) -> str:
    return f"/v1/privacy/tenant-deletions/{request_id}"


def status_of(row: TenantDeletion) -> TenantDeletionRead:
    return TenantDeletionRead(request_id=row.request_id, tenant_id=row.tenant_id, status_url=status_url(row.request_id),
                              **progress(row.completed, row.requested_at))


def latest(session: Session, tenant_id: str) -> TenantDeletion | None:
    return session.scalars(select(TenantDeletion).where(TenantDeletion.tenant_id == tenant_id)
                           .order_by(TenantDeletion.requested_at.desc()).limit(1)).first()




@router.delete("/v1/admin/tenants/{tenant_id}", status_code=202, response_model=TenantDeletionRead,
               summary="Delete a tenant and all its data everywhere (platform admin)",
               description="Deletes the tenant's directory, API keys (refused with 401 from now on), erasure "
                           "requests and import jobs, and publishes `privacy.tenant_deletion.requested`: every "
                           "service deletes every row of the tenant and reports completion. GET `status_url` to "
                           "follow it. Deleting a deleted tenant again answers its request; 404 naming "
                           "`tenant_id` for a tenant that never existed.")
def delete_tenant_everywhere(tenant_id: TenantPath, request: Request, response: Response,
                             caller: CallerDep) -> TenantDeletionRead:
    with unit_of_work(request.app.state.session_factory) as session:
        if session.get(Tenant, tenant_id) is None:
            done = latest(session, tenant_id)
            if done is None:
                raise ApiError(404, "not_found", f"tenant {tenant_id!r} not found",
                               [{"loc": ["path", "tenant_id"], "msg": "unknown tenant"}])
            response.headers["Location"] = status_url(done.request_id)
            return status_of(done)
        key_ids = list(session.scalars(select(ApiKey.key_id).where(ApiKey.tenant_id == tenant_id)))
        deleted = delete_tenant(session, tenant_id, Base.metadata, keep=[TenantDeletion.__tablename__])
        request_id = f"td-{uuid.uuid4().hex}"
        now = datetime.now(UTC)
        row = TenantDeletion(tenant_id=tenant_id, request_id=request_id, requested_at=now, completed={})
        session.add(row)
        outbox.add(session, validate(new_event(
            type=REQUESTED, tenant_id=tenant_id, source=SOURCE, time=now, id=f"tenant-deletion-requested-{request_id}",
            subject=request_id, data={"request_id": request_id, "tenant_id": tenant_id})))
    for key_id in key_ids:
        KEYS.forget(key_id)
    hub = getattr(request.app.state, "stream_hub", None)
    dropped = hub.forget_tenant(tenant_id) if hub is not None else 0
    log.info("tenant deletion requested", extra={"fields": {
        "request_id": request_id, "tenant": tenant_id, "stream_events_dropped": dropped,
        "rows_deleted": {t: n for t, n in deleted.items() if n}}})
    response.headers["Location"] = status_url(request_id)
    return status_of(row)


@router.get("/v1/privacy/tenant-deletions/{request_id}", response_model=TenantDeletionRead,
            summary="A tenant deletion: each service's completion (platform admin)",
            description="`status` is `complete` once insight, network, content and scoring have all reported. "
                        "404 for an unknown request; 403 for any key but the platform admin's.")
def get_tenant_deletion(request_id: PathId, request: Request, caller: CallerDep) -> TenantDeletionRead:
    with read_session(request.app.state.session_factory) as session:
        row = session.scalars(select(TenantDeletion).where(TenantDeletion.request_id == request_id)).first()
        if row is None:
            raise not_found(f"tenant deletion {request_id!r}")
        return status_of(row)


def record_completion(session: Session, event: Event) -> None:
    """Consumer handler of `privacy.tenant_deletion.completed`: note the service's completion; once
    every service has reported, destroy every key of the tenant in the keyring (crypto-shredding:
    its events on the topics and in the outboxes keep nothing personal that opens)."""
    data = event["data"]
    row = session.get(TenantDeletion, (event["tenantid"], data["request_id"]))
    if row is None:
        log.info("completion of an unknown tenant deletion", extra={"fields": {"request_id": data["request_id"]}})
        return
    if note_completion(row, data["service"], event["time"]):
        forgotten = keyring.default().forget_tenant(row.tenant_id)
        log.info("tenant deletion complete: keys destroyed",
                 extra={"fields": {"request_id": row.request_id, "keys": forgotten}})


HANDLERS: dict[str, list[Handler]] = {COMPLETED: [record_completion]}
