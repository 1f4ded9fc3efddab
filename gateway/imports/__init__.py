"""Imports as jobs: `POST /v1/imports/linkedin`, `POST /v1/imports/crm`, `GET /v1/imports` (the
tenant's jobs, newest first) and `GET /v1/imports/{job_id}`.

A POST checks the upload (size, zip or CSV, mapping) and answers 202 with a job id at once; the
job runs in the gateway process as an asyncio task: it parses the upload in a thread (importers/),
then posts the events in batches of at most RAPPORT_MAX_BATCH through the same path as
`POST /v1/events` (`check_events` + `ingest`), with the caller's identity, writing its counts to
the `import_job` row after every batch. Event ids are deterministic, so importing a file again
adds nothing (accepted 0, duplicates N).

Decisions (docs/imports.md):
- The upload lives in memory only while its job runs; a job cut short is not resumed but marked
  `failed` ("interrupted"): re-running the import is safe and cheap since it is idempotent.
  A gateway stopping cleanly marks its jobs at once; a crashed one stops refreshing its jobs'
  `updated_at` (every third of the stale period, at most 10 s), so any gateway marks them failed once they are older
  than RAPPORT_IMPORT_STALE_SECONDS (at start-up, periodically, and when the job is read).
- At most RAPPORT_IMPORT_CONCURRENCY jobs run at once per gateway; others wait `queued`; a
  gateway holding RAPPORT_IMPORT_QUEUE jobs answers 429.
- Who: `admin` and `ingest` keys (gateway/access.py); a job is read by its tenant only (another
  tenant's job id is a 404). The upload's size limit is the body limit of the upload routes
  (RAPPORT_MAX_UPLOAD_BYTES, gateway/limits.py); an archive may expand to
  RAPPORT_MAX_IMPORT_EXPANDED_BYTES.
- A LinkedIn export whose owner cannot be worked out fails rather than filing events under rep
  `unknown`: the caller passes `rep_id`.
- An export already imported under another rep is refused (the job fails with `conflict`) before
  it posts anything: gateway/imports/owner.py.
"""

from gateway.imports.routes import router

__all__ = ["router"]
