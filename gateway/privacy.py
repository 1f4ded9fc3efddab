"""Erasure of a person everywhere: `POST /v1/privacy/erasure`, `GET /v1/privacy/erasure[/{request_id}]`.

The POST stores an `ErasureRequest` and stages `rapport.privacy.erasure.requested` in the gateway's
outbox in the same transaction (202 with the request id). Every service consumes it, erases the
person and publishes `privacy.erasure.completed` with its name; the gateway's consumer records each
completion (`HANDLERS`, wired in gateway/consumers.py) and the request is `complete` once insight,
network, content and scoring have all reported.

What the gateway itself keeps of the person: nothing that identifies them. The request row holds
only the SHA-256 of the person key; the outbox row of the request event is sealed like every
event, and once the request is complete the person's keys are destroyed (`forget_person`), which
shreds it with every event about them on the topics (docs/privacy.md, "The event log"); the SSE
ring buffers drop every buffered event that mentions the person, import jobs' per-row errors
that quote them are redacted and the digest subscriptions of their e-mail address are deleted, all
when the request is made.
Only `admin` keys may request or read erasures (403 otherwise).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.auth import CallerDep
from gateway.models import DigestDelivery, DigestSubscription, ErasureRequest, ImportJob, TenantDeletion
from gateway.settings import SERVICES
from rapportkit import jsonutil, keyring, outbox
from rapportkit.consumer import Handler
from rapportkit.db import read_session, unit_of_work
from rapportkit.envelope import Event, new_event, parse_time, validate
from rapportkit.errors import not_found
from rapportkit.outbox import OutboxRow
from rapportkit.pagination import Page, PageDep, page
from rapportkit.params import PathId
from rapportkit.people import erasure_keys, normalise_profile_url, person_key
from rapportkit.privacy import mentions, needles_of, redact
from rapportkit.sealing import opened

log = logging.getLogger(__name__)
router = APIRouter(tags=["privacy"])
SOURCE = "rapport/gateway"
REQUESTED = "rapport.privacy.erasure.requested"
COMPLETED = "rapport.privacy.erasure.completed"




class PersonToErase(BaseModel):
    """Who to erase: at least `profile_url`, `email` or `name` (the person keys of docs/contracts.md).
    `name` also lets services find the person in free text (notes, messages); with `company` it
    reaches the rows of the same person imported by name only (rapportkit.people.erasure_keys)."""

    model_config = ConfigDict(extra="forbid")
    profile_url: str | None = Field(None, min_length=1, max_length=2000,
                                    examples=["https://www.linkedin.com/in/ada-lovelace"])
    email: str | None = Field(None, min_length=3, max_length=320, examples=["ada@example.com"])
    name: str | None = Field(None, min_length=1, max_length=500, examples=["Ada Lovelace"])
    company: str | None = Field(None, min_length=1, max_length=500, examples=["Analytical Engines"])

    @field_validator("profile_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not normalise_profile_url(value):
            raise ValueError("not a profile URL")
        return value.strip() if value is not None else None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and "@" not in value.strip()[1:-1]:
            raise ValueError("not an e-mail address")
        return value.strip() if value is not None else None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("blank name")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _identified(self) -> PersonToErase:
        if not self.profile_url and not self.email and not self.name:
            raise ValueError("one of profile_url, email or name is required")
        return self


class ErasureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: PersonToErase


class ServiceCompletion(BaseModel):
    status: Literal["pending", "complete"]
    completed_at: datetime | None = None


class ErasureRead(BaseModel):
    """An erasure request and each service's completion; the person is not shown."""

    request_id: str
    status: Literal["pending", "complete"]
    requested_at: datetime
    completed_at: datetime | None
    services: dict[str, ServiceCompletion]


def fingerprint(person: Mapping[str, Any]) -> str:
    """What the request row keeps of the person: the SHA-256 of their person key."""
    return hashlib.sha256(person_key(person).encode()).hexdigest()


def redact_import_jobs(session: Session, *, tenant_id: str, needles: list[str]) -> int:
    """Redact the person from the tenant's import jobs (per-row errors quote rows); returns jobs changed."""
    changed = 0
    for job in session.scalars(select(ImportJob).where(ImportJob.tenant_id == tenant_id)):
        text = jsonutil.dumps([job.rejections, job.files, job.error]).decode()
        if not mentions(text, needles):
            continue
        job.rejections = redact(job.rejections, needles)
        job.files = redact(job.files, needles)
        job.error = redact(job.error, needles)
        changed += 1
    return changed


def delete_digest_subscriptions(session: Session, *, tenant_id: str, email: str | None) -> int:
    """Delete the tenant's digest subscriptions of the person's e-mail (compared without case) and
    their deliveries; returns subscriptions deleted."""
    if not email:
        return 0
    ids = list(session.scalars(select(DigestSubscription.subscription_id).where(
        DigestSubscription.tenant_id == tenant_id, func.lower(DigestSubscription.email) == email.lower())))
    if ids:
        session.execute(delete(DigestDelivery).where(DigestDelivery.tenant_id == tenant_id,
                                                     DigestDelivery.subscription_id.in_(ids)))
        session.execute(delete(DigestSubscription).where(DigestSubscription.tenant_id == tenant_id,
                                                         DigestSubscription.subscription_id.in_(ids)))
    return len(ids)


def request_event_id(request_id: str) -> str:
    return f"erasure-requested-{request_id}"


def progress(completed: Mapping[str, str] | None, requested_at: datetime) -> dict[str, Any]:
    """The fields a request's status shares with every request the services complete one by one
    (an erasure, a tenant deletion): `complete` once insight, network, content and scoring reported."""
    done = {s: parse_time(t) for s, t in (completed or {}).items()}
    complete = all(s in done for s in SERVICES)
    return {
        "status": "complete" if complete else "pending",
        "requested_at": requested_at.astimezone(UTC) if requested_at.tzinfo else requested_at.replace(tzinfo=UTC),
        "completed_at": max(done[s] for s in SERVICES) if complete else None,
        "services": {s: ServiceCompletion(status="complete" if s in done else "pending", completed_at=done.get(s))
                     for s in SERVICES},
    }


def status_of(row: ErasureRequest) -> ErasureRead:
    return ErasureRead(request_id=row.request_id, **progress(row.completed, row.requested_at))


@router.post("/v1/privacy/erasure", status_code=202, response_model=ErasureRead,
             summary="Erase a person everywhere (admin)",
             description="Stores the request and publishes `privacy.erasure.requested`; every service erases "
                         "the person and reports completion. GET the request to follow it. 403 for a key that "
                         "is not `admin`; 422 naming the field for bad input.")
def request_erasure(body: ErasureCreate, request: Request, response: Response, caller: CallerDep) -> ErasureRead:
    person = body.person.model_dump(exclude_none=True)
    request_id = f"er-{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    event = validate(new_event(type=REQUESTED, tenant_id=caller.tenant_id, source=SOURCE, time=now,
                               id=request_event_id(request_id), subject=request_id,
                               data={"request_id": request_id, "person": person}))
    needles = needles_of(person)
    with unit_of_work(request.app.state.session_factory) as session:
        row = ErasureRequest(tenant_id=caller.tenant_id, request_id=request_id, requested_at=now, completed={},
                             person={"key_sha256": fingerprint(person)})
        session.add(row)
        outbox.add(session, event)
        jobs = redact_import_jobs(session, tenant_id=caller.tenant_id, needles=needles)
        digests = delete_digest_subscriptions(session, tenant_id=caller.tenant_id, email=person.get("email"))
    hub = getattr(request.app.state, "stream_hub", None)
    purged = hub.purge(caller.tenant_id, needles) if hub is not None else 0
    log.info("erasure requested", extra={"fields": {"request_id": request_id, "import_jobs_redacted": jobs,
                                                    "digest_subscriptions_deleted": digests,
                                                    "stream_events_purged": purged}})
    response.headers["Location"] = f"/v1/privacy/erasure/{request_id}"
    return status_of(row)


@router.get("/v1/privacy/erasure", response_model=Page[ErasureRead], summary="The tenant's erasure requests (admin)")
def list_erasures(request: Request, caller: CallerDep, params: PageDep) -> dict[str, Any]:
    with read_session(request.app.state.session_factory) as session:
        scope = ErasureRequest.tenant_id == caller.tenant_id
        total = session.scalar(select(func.count()).select_from(ErasureRequest).where(scope)) or 0
        rows = session.scalars(select(ErasureRequest).where(scope)
                               .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.request_id)
                               .limit(params.limit).offset(params.offset))
        return page([status_of(r) for r in rows], total=int(total), params=params)


@router.get("/v1/privacy/erasure/{request_id}", response_model=ErasureRead,
            summary="An erasure request: each service's completion (admin)",
            description="`status` is `complete` once insight, network, content and scoring have all reported. "
                        "404 for an unknown request or one of another tenant.")
def get_erasure(request_id: PathId, request: Request, caller: CallerDep) -> ErasureRead:
    with read_session(request.app.state.session_factory) as session:
        row = session.get(ErasureRequest, (caller.tenant_id, request_id))
        if row is None:
            raise not_found(f"erasure request {request_id!r}")
        return status_of(row)


def note_completion(row: ErasureRequest | TenantDeletion, service: str, at: str) -> bool:
    """Record `service`'s completion on an erasure request or a tenant deletion (once); True when it
    is the completion that makes every service's report complete."""
    if service in (row.completed or {}):
        return False
    row.completed = {**(row.completed or {}), service: at}
    return all(s in row.completed for s in SERVICES)


def record_completion(session: Session, event: Event) -> None:
    """Consumer handler of `privacy.erasure.completed`: note the service's completion; once every
    service has reported, destroy the person's keys (`forget_person`)."""
    data = event["data"]
    row = session.get(ErasureRequest, (event["tenantid"], data["request_id"]))
    if row is None:
        log.info("completion of an unknown erasure request", extra={"fields": {"request_id": data["request_id"]}})
        return
    if note_completion(row, data["service"], event["time"]):
        forget_person(session, tenant_id=row.tenant_id, request_id=row.request_id, also=data.get("person"))


def forget_person(session: Session, *, tenant_id: str, request_id: str, also: Any = None) -> int:
    """Crypto-shredding (docs/privacy.md, "The event log"): destroy the keys of every person key the
    request reaches (rapportkit.people.erasure_keys of the request's person, read from the gateway's
    own sealed copy of the request, and of `also`, the person a completion echoed). Every copy of
    the events sealed under them, on the topics and in the outboxes, then opens to the erased form;
    the request's own outbox row too. Returns how many keys were destroyed."""
    persons = [also] if isinstance(also, dict) else []
    payload = session.scalar(select(OutboxRow.payload).where(
        OutboxRow.tenant_id == tenant_id, OutboxRow.event_id == request_event_id(request_id)))
    if payload is not None:
        persons.append(opened(payload)["data"].get("person") or {})
    keys: set[str] = set()
    for person in persons:
        keys |= erasure_keys(person)
    forgotten = keyring.default().forget(tenant_id, keys)
    log.info("erasure complete: keys destroyed", extra={"fields": {"request_id": request_id, "keys": forgotten}})
    return forgotten


HANDLERS: dict[str, list[Handler]] = {COMPLETED: [record_completion]}
