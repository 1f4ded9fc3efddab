"""The import jobs of one gateway process: queue, parse, post in batches, heartbeat (see
gateway/imports/__init__.py for the decisions)."""

from __future__ import annotations

import asyncio
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import func, select, update
from sqlalchemy.orm import defer

from gateway.events import check_events, ingest
from gateway.imports.owner import earlier_owner, owner_sha256, refusal
from gateway.imports.schemas import FileRow, ImportJobRead, ImportJobSummary, Kind, Status, job_body, job_summary
from gateway.models import ImportJob
from gateway.upstream import Upstreams
from importers.linkedin.rep import UNKNOWN_REP
from importers.result import ImportResult
from rapportkit import outbox
from rapportkit.db import SessionFactory, read_session, unit_of_work, utc
from rapportkit.envelope import Event
from rapportkit.errors import ApiError, not_found
from rapportkit.identity import Identity
from rapportkit.logs import tenant_var
from rapportkit.pagination import PageParams, page

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
MAX_STORED_REJECTIONS = 20_000
INTERRUPTED = "interrupted: the gateway running this import stopped; import the file again (it is idempotent)"


class ImportSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    max_expanded_bytes: int = Field(512 * 1024 * 1024, validation_alias="RAPPORT_MAX_IMPORT_EXPANDED_BYTES")
    concurrency: int = Field(2, ge=1, validation_alias="RAPPORT_IMPORT_CONCURRENCY")
    queue: int = Field(8, ge=1, validation_alias="RAPPORT_IMPORT_QUEUE")
    stale_seconds: float = Field(60.0, gt=0, validation_alias="RAPPORT_IMPORT_STALE_SECONDS")
    retries: int = Field(6, ge=0, validation_alias="RAPPORT_IMPORT_RETRIES")


class JobFailed(Exception):
    """Ends a job as `failed` with this message (the caller's to fix: a bad file, an unknown rep...)."""

    def __init__(self, message: str, **values: Any):
        super().__init__(message)
        self.values = values  # more columns to write, e.g. the conflict


@dataclass
class Pending:
    tenant_id: str
    job_id: str
    kind: str
    caller: Identity
    parse: Callable[[], ImportResult] | None  # holds the upload until it has been parsed

    @property
    def key(self) -> tuple[str, str]:
        return self.tenant_id, self.job_id


def now() -> datetime:
    return datetime.now(UTC)


def stored_result(result: ImportResult) -> dict[str, Any]:
    files = [FileRow(file=f.file, kind=f.kind, rows_read=f.rows_read, rows_with_events=f.rows_with_events,
                     events=f.events, rejected=f.rejected, repeated=f.duplicates, encoding=f.encoding,
                     skipped_reason=f.skipped_reason).model_dump() for f in result.files]
    rejections = [{"file": r.file, "line": r.line, "reason": r.reason, "detail": r.detail}
                  for r in result.rejections[:MAX_STORED_REJECTIONS]]
    return {"rows_read": sum(f.rows_read for f in result.files), "events_produced": len(result.events),
            "rejected": sum(f.rejected for f in result.files), "files": files, "rejections": rejections}


class ImportRunner:
    """The import jobs of this gateway process (see the module docstring)."""

    def __init__(self, *, factory: SessionFactory, upstreams: Upstreams, max_batch: int, settings: ImportSettings):
        self.factory, self.upstreams, self.max_batch, self.settings = factory, upstreams, max_batch, settings
        self.slots = asyncio.Semaphore(settings.concurrency)
        self.tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.heartbeat: asyncio.Task[None] | None = None

    # -- lifecycle

    async def start(self) -> None:
        await asyncio.to_thread(self.fail_stale, set())
        self.heartbeat = asyncio.create_task(self._beat(), name="import heartbeat")

    async def close(self) -> None:
        keys = list(self.tasks)
        held = [*self.tasks.values(), *([self.heartbeat] if self.heartbeat else [])]
        for task in held:
            task.cancel()
        await asyncio.gather(*held, return_exceptions=True)
        if keys:
            await asyncio.to_thread(self._mark_failed, keys, INTERRUPTED)

    def has_room(self) -> bool:
        return len(self.tasks) < self.settings.queue

    def holds(self, tenant_id: str, job_id: str) -> bool:
        return (tenant_id, job_id) in self.tasks

    def submit(self, job: Pending) -> None:
        task = asyncio.create_task(self._run(job), name=f"import {job.job_id}")
        self.tasks[job.key] = task
        task.add_done_callback(lambda _: self.tasks.pop(job.key, None))

    # -- database

    def _update(self, job: Pending, **values: Any) -> None:
        with unit_of_work(self.factory) as session:
            session.execute(update(ImportJob).where(ImportJob.tenant_id == job.tenant_id,
                                                    ImportJob.job_id == job.job_id)
                            .values(**values, updated_at=now()))

    def _mark_failed(self, keys: list[tuple[str, str]], error: str) -> None:
        with unit_of_work(self.factory) as session:
            for tenant_id, job_id in keys:
                session.execute(update(ImportJob).where(
                    ImportJob.tenant_id == tenant_id, ImportJob.job_id == job_id, ImportJob.status.in_(ACTIVE))
                    .values(status="failed", error=error, updated_at=now()))

    def fail_stale(self, held: set[tuple[str, str]]) -> int:
        """Mark failed the active jobs that no gateway has refreshed within the stale period."""
        limit = now() - timedelta(seconds=self.settings.stale_seconds)
        with read_session(self.factory) as session:
            rows = session.execute(select(ImportJob.tenant_id, ImportJob.job_id).where(
                ImportJob.status.in_(ACTIVE), ImportJob.updated_at < limit)).tuples().all()
        stale = [key for key in rows if key not in held]
        if stale:
            self._mark_failed(stale, INTERRUPTED)
        return len(stale)

    def _touch(self, keys: list[tuple[str, str]]) -> None:
        with unit_of_work(self.factory) as session:
            for tenant_id, job_id in keys:
                session.execute(update(ImportJob).where(ImportJob.tenant_id == tenant_id, ImportJob.job_id == job_id,
                                                        ImportJob.status.in_(ACTIVE)).values(updated_at=now()))

    async def _beat(self) -> None:
        interval = min(10.0, self.settings.stale_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                held = set(self.tasks)
                if held:
                    await asyncio.to_thread(self._touch, list(held))
                await asyncio.to_thread(self.fail_stale, held)
            except Exception:
                log.exception("import heartbeat failed")

    # -- running one job

    async def _run(self, job: Pending) -> None:
        tenant_var.set(job.tenant_id)
        try:
            async with self.slots:
                await asyncio.to_thread(self._update, job, status="running")
                result = await asyncio.to_thread(self._parse, job)
                job.parse = None
                await asyncio.to_thread(self._store_parsed, job, result)
                if job.kind == "linkedin" and result.rep_id == UNKNOWN_REP and result.events:
                    raise JobFailed("could not work out whose export this is (no profile, messages or invitations "
                                    "name the owner): import it again with rep_id")
                await self._post_all(job, result.events)
                await asyncio.to_thread(self._update, job, status="done")
        except JobFailed as failed:
            await asyncio.to_thread(self._update, job, status="failed", error=str(failed), **failed.values)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("import job failed", extra={"fields": {"job_id": job.job_id}})
            await asyncio.to_thread(self._update, job, status="failed",
                                    error=f"internal error ({type(exc).__name__}); see the gateway log")

    def _store_parsed(self, job: Pending, result: ImportResult) -> None:
        """Store the parse's counts; for a LinkedIn export, record its owner, refusing the job when an
        earlier job imported the same owner's export under another rep (gateway/imports/owner.py)."""
        owner = owner_sha256(result) if job.kind == "linkedin" and result.rep_id != UNKNOWN_REP else None
        with unit_of_work(self.factory) as session:
            earlier = None
            if owner and result.rep_id:
                earlier = earlier_owner(session, tenant_id=job.tenant_id, job_id=job.job_id, owner=owner,
                                        rep_id=result.rep_id)
            session.execute(update(ImportJob).where(ImportJob.tenant_id == job.tenant_id,
                                                    ImportJob.job_id == job.job_id)
                            .values(rep_id=result.rep_id, owner_sha256=owner, updated_at=now(),
                                    **stored_result(result)))
        if earlier is not None and result.rep_id:
            raise JobFailed(refusal(result.rep_id, earlier),
                            conflict={"rep_id": earlier.rep_id, "job_id": earlier.job_id})

    @staticmethod
    def _parse(job: Pending) -> ImportResult:
        assert job.parse is not None
        try:
            return job.parse()
        except (ValueError, zipfile.BadZipFile, OSError) as exc:  # CrmMappingError is a ValueError
            raise JobFailed(f"the file could not be read: {exc}") from exc

    def _check(self, job: Pending, batch: list[Event]) -> tuple[list[Event], list[dict[str, Any]]]:
        """The batch's valid events, and a rejection for each event the platform's schemas refuse."""
        try:
            return check_events(batch, tenant_id=job.tenant_id, max_batch=self.max_batch), []
        except ApiError:
            valid: list[Event] = []
            refused: list[dict[str, Any]] = []
            for event in batch:
                try:
                    valid.extend(check_events([event], tenant_id=job.tenant_id, max_batch=1))
                except ApiError as error:
                    refused.append({"file": None, "line": None, "reason": "event refused by the platform",
                                    "detail": f"{event.get('type')} {event.get('id')}: {error.message}"})
            return valid, refused

    async def _ingest(self, job: Pending, events: list[Event]) -> tuple[int, int]:
        for attempt in range(self.settings.retries + 1):
            try:
                counts = await ingest(self.upstreams, job.caller, events, lane=outbox.BULK)
                return counts.accepted, counts.duplicates
            except ApiError as error:
                if error.status < 500 or attempt == self.settings.retries:
                    raise JobFailed(f"the platform refused a batch of events: {error.message}") from error
                await asyncio.sleep(min(10.0, 0.5 * 2**attempt))
        raise AssertionError("unreachable")

    async def _post_all(self, job: Pending, events: list[Event]) -> None:
        accepted = duplicates = refused_total = 0
        for start in range(0, len(events), self.max_batch):
            valid, refused = await asyncio.to_thread(self._check, job, events[start:start + self.max_batch])
            if valid:
                new, known = await self._ingest(job, valid)
                accepted, duplicates = accepted + new, duplicates + known
            values: dict[str, Any] = {"events_accepted": accepted, "duplicates": duplicates}
            if refused:
                refused_total += len(refused)
                values["events_refused"] = refused_total
                values["rejections"] = await asyncio.to_thread(self._rejections, job) + refused
            await asyncio.to_thread(self._update, job, **values)

    def _rejections(self, job: Pending) -> list[dict[str, Any]]:
        with read_session(self.factory) as session:
            row = session.get(ImportJob, job.key)
            return list(row.rejections or []) if row else []

    # -- reading jobs

    def list(self, caller: Identity, params: PageParams, *, status: Status | None,
             kind: Kind | None) -> dict[str, Any]:
        """The tenant's jobs, newest first (without their rejected rows)."""
        where = [ImportJob.tenant_id == caller.tenant_id]
        if status:
            where.append(ImportJob.status == status)
        if kind:
            where.append(ImportJob.kind == kind)
        with read_session(self.factory) as session:
            total = session.scalar(select(func.count()).select_from(ImportJob).where(*where)) or 0
            rows = session.scalars(select(ImportJob).options(defer(ImportJob.rejections)).where(*where)
                                   .order_by(ImportJob.created_at.desc(), ImportJob.job_id)
                                   .limit(params.limit).offset(params.offset)).all()
            items: list[ImportJobSummary] = [job_summary(row) for row in rows]
        return page(items, total=int(total), params=params)

    def _abandoned(self, job: ImportJob) -> bool:
        """An active job that no gateway has refreshed within the stale period, and not this one's."""
        stale = now() - timedelta(seconds=self.settings.stale_seconds)
        return job.status in ACTIVE and utc(job.updated_at) < stale and not self.holds(job.tenant_id, job.job_id)

    def read(self, caller: Identity, job_id: str, params: PageParams) -> ImportJobRead:
        """The job as stored; a job its gateway abandoned is marked failed first (a short write,
        and only then: a status read does not wait for the writers)."""
        with read_session(self.factory) as session:
            job = session.get(ImportJob, (caller.tenant_id, job_id))
            if job is None:
                raise not_found(f"import job {job_id!r}")
            if not self._abandoned(job):
                return job_body(job, params)
        with unit_of_work(self.factory) as session:
            job = session.get(ImportJob, (caller.tenant_id, job_id))
            if job is None:
                raise not_found(f"import job {job_id!r}")
            if self._abandoned(job):  # again, under the write lock
                job.status, job.error, job.updated_at = "failed", INTERRUPTED, now()
            return job_body(job, params)
