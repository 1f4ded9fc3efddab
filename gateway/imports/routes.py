"""`POST /v1/imports/linkedin`, `POST /v1/imports/crm`, `GET /v1/imports` and `GET /v1/imports/{job_id}`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from gateway.auth import CallerDep
from gateway.imports.jobs import ImportRunner, ImportSettings, Pending, now
from gateway.imports.schemas import ImportAccepted, ImportJobRead, ImportJobSummary, Kind, Status
from gateway.imports.uploads import (
    check_archive,
    check_header,
    check_rep_id,
    field_error,
    parse_mapping,
    read_form,
    text_field,
    upload,
)
from gateway.models import ImportJob
from importers.crm import parse_crm
from importers.linkedin import parse_export
from importers.result import ImportResult
from rapportkit.db import SessionFactory, unit_of_work
from rapportkit.errors import ApiError
from rapportkit.identity import Identity
from rapportkit.pagination import Page, PageDep
from rapportkit.params import PathId


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs inside the gateway's own lifespan (session factory and upstream clients already made)."""
    runner = ImportRunner(factory=app.state.session_factory, upstreams=app.state.upstreams,
                          max_batch=app.state.settings.max_batch, settings=ImportSettings())
    app.state.imports = runner
    await runner.start()
    yield
    await runner.close()


router = APIRouter(tags=["imports"], lifespan=lifespan)


def multipart(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    schema = {"type": "object", "required": ["file"], "properties": fields}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def insert_job(factory: SessionFactory, job: Pending, rep_id: str | None) -> None:
    moment = now()
    with unit_of_work(factory) as session:
        session.add(ImportJob(tenant_id=job.tenant_id, job_id=job.job_id, kind=job.kind, status="queued",
                              rep_id=rep_id, rows_read=0, events_produced=0, events_accepted=0, duplicates=0,
                              rejected=0, rejections=[], files=[], error=None, created_at=moment, updated_at=moment))


async def create_job(request: Request, caller: Identity, kind: str, rep_id: str | None,
                     parse: Callable[[], ImportResult]) -> JSONResponse:
    runner: ImportRunner = request.app.state.imports
    if not runner.has_room():
        raise ApiError(429, "rate_limited", "too many imports in progress on this gateway; retry shortly",
                       headers={"Retry-After": "30"})
    job = Pending(caller.tenant_id, uuid.uuid4().hex, kind, caller, parse)
    await asyncio.to_thread(insert_job, request.app.state.session_factory, job, rep_id)
    runner.submit(job)
    url = f"/v1/imports/{job.job_id}"
    body = ImportAccepted(job_id=job.job_id, status="queued", status_url=url)
    return JSONResponse(body.model_dump(), status_code=202, headers={"Location": url})


@router.post("/v1/imports/linkedin", status_code=202, response_model=ImportAccepted,
             summary="Import a LinkedIn data export (zip) as a job",
             openapi_extra=multipart({
                 "file": {"type": "string", "format": "binary", "description": "the export archive (.zip)"},
                 "rep_id": {"type": "string", "description": "whose export it is (default: worked out from it)"},
                 "rep_profile_url": {"type": "string", "description": "the rep's LinkedIn profile URL"}}))
async def post_linkedin(request: Request, caller: CallerDep) -> JSONResponse:
    settings: ImportSettings = request.app.state.imports.settings
    form = await read_form(request)
    try:
        data, _ = await upload(form)
        rep_id = await text_field(form, "rep_id", 200)
        profile_url = await text_field(form, "rep_profile_url", 2000)
    finally:
        await form.close()
    if profile_url and "linkedin.com/in/" not in profile_url.lower():
        raise field_error("rep_profile_url", "expected a LinkedIn profile URL like https://www.linkedin.com/in/name")
    check_rep_id(rep_id)
    check_archive(data, settings.max_expanded_bytes)
    tenant = caller.tenant_id

    def parse() -> ImportResult:
        return parse_export(data, tenant_id=tenant, rep_id=rep_id, rep_profile_url=profile_url)

    return await create_job(request, caller, "linkedin", rep_id, parse)


@router.post("/v1/imports/crm", status_code=202, response_model=ImportAccepted,
             summary="Import a CRM opportunity CSV as a job",
             openapi_extra=multipart({
                 "file": {"type": "string", "format": "binary", "description": "the CSV"},
                 "mapping": {"type": "string", "description": "column mapping JSON (a file or a text field); "
                             "omit it for the built-in Maven layout"}}))
async def post_crm(request: Request, caller: CallerDep) -> JSONResponse:
    form = await read_form(request)
    try:
        data, name = await upload(form)
        mapping_text = await text_field(form, "mapping", 64 * 1024)
    finally:
        await form.close()
    mapping = parse_mapping(mapping_text) if mapping_text else None
    check_header(data, mapping)
    tenant = caller.tenant_id

    def parse() -> ImportResult:
        return parse_crm(data, tenant_id=tenant, mapping=mapping, name=name)

    return await create_job(request, caller, "crm", None, parse)


@router.get("/v1/imports", response_model=Page[ImportJobSummary],
            summary="The tenant's import jobs, newest first: status, progress and counts (no rejected rows)")
async def list_imports(request: Request, caller: CallerDep, params: PageDep,
                       status: Annotated[Status | None, Query(description="only jobs in this status")] = None,
                       kind: Annotated[Kind | None, Query(description="only jobs of this kind")] = None,
                       ) -> dict[str, Any]:
    runner: ImportRunner = request.app.state.imports
    return await asyncio.to_thread(runner.list, caller, params, status=status, kind=kind)


@router.get("/v1/imports/{job_id}", response_model=ImportJobRead,
            summary="An import job: progress, counts, the per-file table and the rejected rows (paged)")
async def get_import(job_id: PathId, request: Request, caller: CallerDep, params: PageDep) -> ImportJobRead:
    runner: ImportRunner = request.app.state.imports
    return await asyncio.to_thread(runner.read, caller, job_id, params)
