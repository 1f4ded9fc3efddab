"""Reads never wait for writes on the embedded default (SQLite): a whole stack on SQLite files, a
generated LinkedIn export of 15,000 connections imported by one tenant while another tenant reads a
rep's score through the gateway every 50 ms, for the first READ_WINDOW seconds of the import (or
until it is done; stopping the stack then interrupts it).

The test prints the reads' latencies during the import (a benchmark figure; run with `-s`) and
asserts the read path takes no write lock: in the middle of the import it holds the scoring
database's write lock itself (BEGIN IMMEDIATE, held for LOCK_HOLD seconds) and a score read through
the gateway must answer 200 while the lock is still held. Before reads began DEFERRED transactions,
every read queued behind the writers (and behind this lock) — see docs/architecture.md.

Its own stack (SQLite, its own ports) beside the session's PostgreSQL stack; its consumer groups are
its own, committed at the end of every topic before its workers start, so it neither splits the
session stack's partitions nor replays the session's earlier events.
"""

from __future__ import annotations

import io
import sqlite3
import statistics
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import GATEWAY_PORT
from tests.integration.helpers import eventually, new_rep, profile_viewed
from tests.integration.sqlite_stack import SqliteStack
from tests.integration.sqlite_stack import sqlite_stack as start_sqlite_stack

CONNECTIONS = 15_000
READ_EVERY = 0.05
LOCK_HOLD = 3.0
READ_WINDOW = 30.0  # seconds of reads from the import's start (the whole import can take minutes on CI)


def connections_csv(rows: int, tag: str) -> bytes:
    """Connections.csv as a 2025 export writes it: the Notes preamble, then one row per connection."""
    today = datetime.now(UTC).date()
    lines = ['\ufeffNotes:',
             '"When exporting your connection data, you may notice that some of the email addresses are missing."',
             "",
             "First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    for i in range(rows):
        day = (today - timedelta(days=i % 365)).strftime("%d %b %Y")
        lines.append(f"Person{i},Bench{tag},https://www.linkedin.com/in/person-{i}-{tag}/,,"
                     f"Company {i % 500},Buyer,{day}")
    return ("\n".join(lines) + "\n").encode()


def export_zip(rows: int, tag: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Connections.csv", connections_csv(rows, tag))
    return buffer.getvalue()


@pytest.fixture
def sqlite_stack(kafka: str, tmp_path: Path) -> Iterator[SqliteStack]:
    with start_sqlite_stack(kafka, tmp_path / "var", name="sqlite", gateway_port=GATEWAY_PORT + 50,
                            service_base_port=GATEWAY_PORT + 60) as running:
        yield running


def new_key(platform: httpx.Client, tenant_id: str, role: str) -> str:
    made = platform.post("/v1/admin/tenants", json={"tenant_id": tenant_id, "name": tenant_id})
    assert made.status_code in (200, 201), made.text
    key = platform.post("/v1/admin/api-keys", json={"role": role, "tenant_id": tenant_id, "name": f"bench {role}"})
    assert key.status_code == 201, key.text
    return str(key.json()["key"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_score_reads_do_not_wait_for_an_import_or_a_held_write_lock(sqlite_stack: SqliteStack) -> None:
    tag = uuid.uuid4().hex[:8]
    with sqlite_stack.client(sqlite_stack.stack.env["RAPPORT_BOOTSTRAP_TOKEN"]) as platform:
        reader_key = new_key(platform, f"rd-{tag}", "admin")
        importer_key = new_key(platform, f"im-{tag}", "ingest")
    upload = export_zip(CONNECTIONS, tag)
    rep = new_rep()

    with sqlite_stack.client(reader_key) as reader, sqlite_stack.client(importer_key) as importer:
        posted = reader.post("/v1/events", json=[profile_viewed(f"rd-{tag}", rep)])
        assert posted.status_code in (200, 202), posted.text
        score_url = f"/v1/reps/{rep}/score"
        eventually(lambda: True if reader.get(score_url).status_code == 200 else None, timeout=60,
                   what="the reader's rep known to scoring")

        latencies: list[float] = []
        failures: list[str] = []
        stop = threading.Event()

        def read_scores() -> None:
            with sqlite_stack.client(reader_key) as own:
                while not stop.is_set():
                    started = time.monotonic()
                    try:
                        status = own.get(score_url).status_code
                    except httpx.HTTPError as exc:
                        failures.append(repr(exc))
                    else:
                        latencies.append(time.monotonic() - started)
                        if status != 200:
                            failures.append(f"HTTP {status}")
                    stop.wait(max(0.0, READ_EVERY - (time.monotonic() - started)))

        thread = threading.Thread(target=read_scores, name="score reader", daemon=True)
        thread.start()
        try:
            began = time.monotonic()
            made = importer.post("/v1/imports/linkedin", files={"file": ("export.zip", upload, "application/zip")},
                                 data={"rep_id": f"rep-im-{tag}"})
            assert made.status_code == 202, made.text
            job_url = made.json()["status_url"]

            def posting() -> dict[str, Any] | None:
                body = importer.get(job_url).json()
                assert body["status"] != "failed", body
                return body if body["progress"]["events_posted"] > 0 else None

            eventually(posting, timeout=60, interval=0.2, what="the import posting its events")
            held_read, held_status = hold_the_scoring_write_lock(sqlite_stack, reader, score_url)
            while time.monotonic() - began < READ_WINDOW:  # then the stack stops, interrupting the import
                job = importer.get(job_url).json()
                assert job["status"] != "failed", job
                if job["status"] == "done":
                    break
                time.sleep(0.5)
            window = time.monotonic() - began
        finally:
            stop.set()
            thread.join(timeout=30)

    assert job["events_produced"] >= CONNECTIONS, job
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"\nscore reads during a LinkedIn import of {job['events_produced']} events on SQLite "
          f"({job['progress']['events_posted']} posted, job {job['status']}, in the {window:.0f} s measured): "
          f"n={len(latencies)} p50={p50 * 1000:.0f} ms p99={p99 * 1000:.0f} ms max={max(latencies) * 1000:.0f} ms; "
          f"failures={len(failures)}; a read while the test held the scoring write lock: {held_status} in "
          f"{held_read * 1000:.0f} ms")
    assert held_status == "200" and held_read < LOCK_HOLD, (
        f"a score read waited for the scoring database's write lock ({held_status} after {held_read:.2f} s)")
    assert not failures, failures[:5]
    assert len(latencies) >= 10


def hold_the_scoring_write_lock(sqlite_stack: SqliteStack, reader: httpx.Client, score_url: str) -> tuple[float, str]:
    """Hold the scoring database's write lock for LOCK_HOLD seconds (after waiting for the writers in
    progress), read a score meanwhile; how long the read took and its status (or the error)."""
    lock = sqlite3.connect(sqlite_stack.database("scoring"), isolation_level=None, timeout=30)
    try:
        lock.execute("BEGIN IMMEDIATE")
        held = time.monotonic()
        try:
            status = str(reader.get(score_url, timeout=LOCK_HOLD).status_code)
        except httpx.TimeoutException as exc:
            status = repr(exc)
        took = time.monotonic() - held
        time.sleep(max(0.0, LOCK_HOLD - (time.monotonic() - held)))  # the background reads meet the lock too
        lock.execute("ROLLBACK")
    finally:
        lock.close()
    return took, status
