"""A bulk LinkedIn import beside live traffic: does bulk work starve live events?

A synthetic export of BENCH_IMPORT_ROWS rows for one rep (Connections.csv + messages.csv, the
2021+ layout of tests/fixtures/linkedin/export_2025; a fifth connections, the rest messages, half
sent and half received, spread over 80 days) goes through `POST /v1/imports/linkedin`. While
scoring applies its events:

- a live prober posts one profile view for a fresh rep every ~200 ms (one at a time) and times
  until that rep's score shows it (`live_freshness_during_import`);
- a reader reads another rep's score every ~100 ms (`reads_during_import`).
"""

from __future__ import annotations

import csv
import io
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from bench.common import profile_view, progress, scrape, wait_visible
from stack.processes import Stack

FIRST_DAY = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
SPAN_DAYS = 80
CONNECTIONS_NOTES = ('Notes:\n"When exporting your connection data, you may notice that some of the email addresses '
                     'are missing."\n\n')
MESSAGE_COLUMNS = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                   "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS", "IS MESSAGE DRAFT"]


def export_zip(rep: str, rows: int) -> bytes:
    """A LinkedIn export of `rows` data rows for `rep` (profile linkedin.com/in/<rep>)."""
    me = f"https://www.linkedin.com/in/{rep}"
    span = SPAN_DAYS * 86400
    connections = io.StringIO()
    connections.write(CONNECTIONS_NOTES)
    out = csv.writer(connections, lineterminator="\n")
    out.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
    n_conn = rows // 5
    for i in range(n_conn):
        at = FIRST_DAY + timedelta(seconds=i * span // max(n_conn, 1))
        out.writerow([f"Person{i}", "Bench", f"https://www.linkedin.com/in/bench-{rep}-{i}", "",
                      f"Company {i % 700}", "Head of Procurement", at.strftime("%d %b %Y")])
    messages = io.StringIO()
    out = csv.writer(messages, quoting=csv.QUOTE_ALL, lineterminator="\n")
    out.writerow(MESSAGE_COLUMNS)
    n_msg = rows - n_conn
    for i in range(n_msg):
        person = i % max(n_conn, 1)
        them = f"https://www.linkedin.com/in/bench-{rep}-{person}"
        sent = (FIRST_DAY + timedelta(seconds=i * span // max(n_msg, 1))).strftime("%Y-%m-%d %H:%M:%S UTC")
        conv = f"conv-{person}"
        if i % 2 == 0:
            out.writerow([conv, "", "Bench Rep", me, f"Person{person} Bench", them, sent, "",
                          "Thanks for connecting — how does your team handle security reviews?", "INBOX", "", "No"])
        else:
            out.writerow([conv, "", f"Person{person} Bench", them, "Bench Rep", me, sent, "",
                          "Good question: we run them in parallel with procurement.", "INBOX", "", "No"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Connections.csv", connections.getvalue())
        archive.writestr("messages.csv", messages.getvalue())
    return buffer.getvalue()


@dataclass
class ImportRun:
    rows: int
    events: int = 0
    posted_seconds: float = 0.0  # until the job was done
    applied_seconds: float = 0.0  # until scoring had applied every event of it
    live: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)

    @property
    def apply_rate(self) -> float:
        return self.events / self.applied_seconds if self.applied_seconds else float("nan")


def _prober(gateway_url: str, token: str, halt: threading.Event, out: list[float], posted: list[int]) -> None:
    with httpx.Client(base_url=gateway_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        while not halt.is_set():
            rep = f"live-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            if c.post("/v1/events", json=profile_view(rep, 0)).status_code != 202:
                raise RuntimeError("the gateway refused a live probe")
            posted[0] += 1
            out.append(wait_visible(c, rep, 1, started, timeout=120))
            halt.wait(max(0.0, 0.2 - (time.perf_counter() - started)))


def _reader(gateway_url: str, token: str, rep: str, halt: threading.Event, out: list[float]) -> None:
    with httpx.Client(base_url=gateway_url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
        while not halt.is_set():
            started = time.perf_counter()
            r = c.get(f"/v1/reps/{rep}/score")
            elapsed = time.perf_counter() - started
            if r.status_code != 200:
                raise RuntimeError(f"reading {rep}'s score answered {r.status_code}: {r.text[:200]}")
            out.append(elapsed)
            halt.wait(max(0.0, 0.1 - elapsed))


def seed_reader(stack: Stack, token: str) -> str:
    """A rep with a score for the reader to read."""
    rep = f"reader-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=stack.gateway_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        started = time.perf_counter()
        if c.post("/v1/events", json=profile_view(rep, 0)).status_code != 202:
            raise RuntimeError("the gateway refused the reader's seed event")
        wait_visible(c, rep, 1, started, timeout=120)
    return rep


def run_import(stack: Stack, token: str, rows: int, timeout: float = 1800) -> ImportRun:
    """Import a `rows`-row export while probing live freshness and reading a score; see the module."""
    result = ImportRun(rows)
    reader_rep = seed_reader(stack, token)
    rep = f"importer-{uuid.uuid4().hex[:6]}"
    data = export_zip(rep, rows)
    worker = stack.procs["scoring-worker"].port
    halt = threading.Event()
    posted = [0]
    errors: list[str] = []

    def guarded(run: Callable[[], None]) -> Callable[[], None]:
        def target() -> None:
            try:
                run()
            except Exception as exc:  # noqa: BLE001 - reported by the main loop
                errors.append(repr(exc))
        return target

    threads = [threading.Thread(target=guarded(lambda: _prober(stack.gateway_url, token, halt, result.live, posted))),
               threading.Thread(target=guarded(lambda: _reader(stack.gateway_url, token, reader_rep, halt,
                                                                result.reads)))]
    with httpx.Client(base_url=stack.gateway_url, timeout=300, headers={"Authorization": f"Bearer {token}"}) as c:
        def applied() -> float:
            return scrape(c, worker, "scoring_events_consumed_total", lambda lb: lb.get("outcome") == "applied")

        base = applied()
        r = c.post("/v1/imports/linkedin", files={"file": ("export.zip", data, "application/zip")},
                   data={"rep_id": rep, "rep_profile_url": f"https://www.linkedin.com/in/{rep}"})
        if r.status_code != 202:
            raise RuntimeError(f"the import was refused: {r.status_code} {r.text[:300]}")
        status_url = r.json()["status_url"]
        started = time.perf_counter()
        job: dict[str, object] = {}
        last_report = 0.0
        for t in threads:  # from the upload on: parsing it is the gateway's work too
            t.start()
        try:
            while True:
                now = time.perf_counter() - started
                if now > timeout:
                    raise RuntimeError(f"the import was not applied within {timeout:.0f} s: {job}")
                done = applied() - base
                if errors:
                    raise RuntimeError(f"a probe failed: {errors[0]}")
                if job.get("status") != "done":
                    job = c.get(status_url, params={"limit": 1}).json()
                    if job.get("status") == "failed":
                        raise RuntimeError(f"the import failed: {job.get('error')}")
                    if job.get("status") == "done":
                        result.posted_seconds = now
                        result.events = int(str(job["events_accepted"]))
                if now - last_report > 5:
                    progress(f"  import {job.get('status')}/{job.get('phase')}: {job.get('events_accepted', 0)} "
                             f"events accepted, {int(done)} applied by scoring, {len(result.live)} live probes, "
                             f"{len(result.reads)} reads ({now:.0f} s)")
                    last_report = now
                if job.get("status") == "done" and done >= result.events + posted[0]:
                    result.applied_seconds = now
                    break
                time.sleep(0.25)
        finally:
            halt.set()
            for t in threads:
                if t.is_alive():
                    t.join(timeout=150)
        if errors:
            raise RuntimeError(f"a probe failed: {errors[0]}")
    return result
