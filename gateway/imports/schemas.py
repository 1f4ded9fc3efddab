"""The shapes of the import routes' answers, and a job row rendered as one."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from gateway.models import ImportJob
from importers.linkedin.rep import UNKNOWN_REP
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


class ImportJobRead(BaseModel):
    job_id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    phase: Literal["queued", "parsing", "posting", "done", "failed"]
    rep_id: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    progress: Progress
    rows_read: int
    events_produced: int
    events_accepted: int
    duplicates: int
    rejected: int
    events_refused: int
    files: list[FileRow]
    rejection_reasons: list[ReasonCount]
    rejections: Page[RejectionRow]
    warnings: list[str]


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives naive datetimes back


def job_body(job: ImportJob, params: PageParams) -> ImportJobRead:
    stored = job.rejections or []
    refused = sum(1 for r in stored if r.get("file") is None)
    posted = job.events_accepted + job.duplicates + refused
    files = [FileRow(**f) for f in job.files or []]
    phase = job.status if job.status != "running" else ("posting" if files else "parsing")
    if job.status == "done":
        fraction = 1.0
    else:
        fraction = round(posted / job.events_produced, 4) if job.events_produced else 0.0
    reasons = Counter((r.get("file"), r.get("reason", "")) for r in stored)
    warnings = []
    if job.kind == "linkedin" and job.rep_id == UNKNOWN_REP:
        warnings.append("the export does not say whose it is; import it with rep_id")
    if job.rejected + refused > len(stored):
        warnings.append(f"only the first {len(stored)} of {job.rejected + refused} rejections are listed")
    return ImportJobRead(
        job_id=job.job_id, kind=job.kind, status=job.status, phase=phase, rep_id=job.rep_id,
        error=job.error, created_at=aware(job.created_at), updated_at=aware(job.updated_at),
        progress=Progress(events_posted=posted, events_total=job.events_produced, fraction=fraction),
        rows_read=job.rows_read, events_produced=job.events_produced, events_accepted=job.events_accepted,
        duplicates=job.duplicates, rejected=job.rejected, events_refused=refused, files=files,
        rejection_reasons=[ReasonCount(file=f, reason=r, count=n) for (f, r), n in reasons.most_common()],
        rejections=Page[RejectionRow](**page(
            [RejectionRow(**r) for r in stored[params.offset:params.offset + params.limit]], total=len(stored),
            params=params)),
        warnings=warnings)
