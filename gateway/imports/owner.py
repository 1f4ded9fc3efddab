"""Whose LinkedIn export a job holds, and the refusal of an export already imported under another rep.

An export is one LinkedIn member's: its owner key is the member's normalised profile URL, else the
weak key of their name (importers/linkedin/rep.py works both out, or the caller's `rep_profile_url`
says it). A job records the SHA-256 of that key (no personal data in the gateway's table) once it
has parsed the export. Event ids come from the rows' content, not from the rep (importers/events.py),
so the same export under another rep would be a job of duplicates that gives that rep nothing: such
a job is refused instead, before it posts anything (docs/imports.md, "Re-importing under another
rep").
"""

from __future__ import annotations

import hashlib

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.models import ImportJob
from importers.result import ImportResult
from rapportkit.people import normalise_profile_url, weak_key


def owner_sha256(result: ImportResult) -> str | None:
    """SHA-256 of the export owner's key; None when the export names nobody."""
    url = normalise_profile_url(result.rep_profile_url) if result.rep_profile_url else ""
    key = url or weak_key(result.rep_name)
    return hashlib.sha256(key.encode()).hexdigest() if key else None


def earlier_owner(session: Session, *, tenant_id: str, job_id: str, owner: str, rep_id: str) -> ImportJob | None:
    """The latest other job that imported (or is importing) an export of the same owner under another rep."""
    return session.scalars(
        select(ImportJob).where(
            ImportJob.tenant_id == tenant_id, ImportJob.owner_sha256 == owner, ImportJob.job_id != job_id,
            ImportJob.rep_id != rep_id,
            or_(ImportJob.status.in_(("running", "done")), ImportJob.events_accepted > 0))
        .order_by(ImportJob.created_at.desc()).limit(1)).first()


def refusal(export_rep: str, earlier: ImportJob) -> str:
    rep = earlier.rep_id
    return (f"this export is already imported under rep {rep!r} (job {earlier.job_id}): its events are that rep's, "
            f"so importing it under {export_rep!r} would give {export_rep!r} nothing. Import it under {rep!r} "
            f"(rep_id {rep}); imported events are not moved between reps: if the export is the person you meant "
            f"by {export_rep!r}, record that person as rep {rep!r} in the directory (POST /v1/admin/reps)")
