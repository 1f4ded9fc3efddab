"""The shapes of the import routes' answers, and a job row rendered as one."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from gateway.models import ImportJob
from importers.linkedin.rep import UNKNOWN_REP
from rapportkit.db import utc
from rapportkit.pagination import Page, PageParams, page


class ImportAccepted(BaseModel):
    job_id: str
    status: str
    status_url: str


class FileRow(BaseModel):
    file: str
    kind: str | None = None
    rows_read: int = 0
    rows_with_events: int = 0
    events: int = 0
    rejected: int = 0
    repeated: int = 0  # events dropped as repeats of an earlier row of the same upload
    encoding: str | None = None
    skipped_reason: str | None = None


class RejectionRow(BaseModel):
    file: str | None  # None: an event the platform refused, not a row
    line: int | None
    reason: str
    detail: str | None = None


class ReasonCount(BaseModel):
    file: str | None
    reason: str
    count: int


class Progress(BaseModel):
    events_posted: int
    events_total: int
    fraction: float


Status = Literal["queued", "running", "done", "failed"]
Kind = Literal["linkedin", "crm"]


class Conflict(BaseModel):
    """Why a LinkedIn import was refused: the export is already another rep's (docs/imports.md)."""

    rep_id: str
    job_id: str


class ImportJobSummary(BaseModel):
    """A job in `GET /v1/imports`: everything but the per-file table and the rejected rows."""

    job_id: str
    kind: Kind
    status: Status
    phase: Literal["queued", "parsing", "posting", "done", "failed"]
    rep_id: str | None
    error: str | None
    conflict: Conflict | None = None
    created_at: datetime
    updated_at: datetime
    progress: Progress
    rows_read: int
    events_produced: int
    events_accepted: int
    duplicates: int
    rejected: int
    events_refused: int


class ImportJobRead(ImportJobSummary):
    files: list[FileRow]
    rejection_reasons: list[ReasonCount]
    rejections: Page[RejectionRow]
    warnings: list[str]


def job_summary(job: ImportJob) -> ImportJobSummary:
    posted = job.events_accepted + job.duplicates + job.events_refused
    phase = job.status if job.status != "running" else ("posting" if job.files else "parsing")
    if job.status == "done":
        fraction = 1.0
    else:
        fraction = round(posted / job.events_produced, 4) if job.events_produced else 0.0
    return ImportJobSummary(
        job_id=job.job_id, kind=job.kind, status=job.status, phase=phase, rep_id=job.rep_id,
        error=job.error, conflict=Conflict(**job.conflict) if job.conflict else None, created_at=utc(job.created_at),
        updated_at=utc(job.updated_at),
        progress=Progress(events_posted=posted, events_total=job.events_produced, fraction=fraction),
        rows_read=job.rows_read, events_produced=job.events_produced, events_accepted=job.events_accepted,
        duplicates=job.duplicates, rejected=job.rejected, events_refused=job.events_refused)


def job_body(job: ImportJob, params: PageParams) -> ImportJobRead:
    stored = job.rejections or []
    reasons = Counter((r.get("file"), r.get("reason", "")) for r in stored)
    warnings = []
    if job.kind == "linkedin" and job.rep_id == UNKNOWN_REP:
        warnings.append("the export does not say whose it is; import it with rep_id")
    if job.rejected + job.events_refused > len(stored):
        warnings.append(f"only the first {len(stored)} of {job.rejected + job.events_refused} rejections are listed")
    return ImportJobRead(
        **job_summary(job).model_dump(), files=[FileRow(**f) for f in job.files or []],
        rejection_reasons=[ReasonCount(file=f, reason=r, count=n) for (f, r), n in reasons.most_common()],
        rejections=Page[RejectionRow](**page(
            [RejectionRow(**r) for r in stored[params.offset:params.offset + params.limit]], total=len(stored),
            params=params)),
        warnings=warnings)
