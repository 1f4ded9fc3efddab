"""Imports through the real stack: every LinkedIn export of the anonymised corpus through
`POST /v1/imports/linkedin` with every row explained, re-imports that change nothing, the checks
of an upload, tenant scoping, interrupted jobs, and the Maven CSV through the `rapport` CLI with
its progress bar, matched against what the file itself says.

The corpus is committed under tests/fixtures (LinkedIn exports anonymised by
`python -m importers.anonymise`, the Maven CRM sample as published); a missing one FAILS these tests.
Run with `-s` to see the per-file table.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import statistics
import subprocess
import sys
import threading
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from stack.processes import Stack
from tests.integration.helpers import archive, eventually
from tests.unit.linkedin_corpus_paths import MAVEN_PIPELINE, fixture, linkedin_corpus_folders

RAPPORT = Path(sys.executable).parent / "rapport"  # the console script installed with the project


def export_folders() -> list[Path]:
    return linkedin_corpus_folders()


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@dataclass
class Tenant:
    tenant_id: str
    admin: httpx.Client  # an admin key of the tenant (reads)
    ingest: httpx.Client  # an ingest key of the tenant (imports)
    ingest_key: str


def client(stack: Stack, key: str) -> httpx.Client:
    return httpx.Client(base_url=stack.gateway_url, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def new_tenant(stack: Stack, platform: httpx.Client) -> Tenant:
    tenant_id = f"imp-{uuid.uuid4().hex[:10]}"
    response = platform.post("/v1/admin/tenants", json={"tenant_id": tenant_id, "name": "Imports test"})
    assert response.status_code in (200, 201), response.text
    keys = {}
    for role in ("admin", "ingest"):
        made = platform.post("/v1/admin/api-keys", json={"role": role, "tenant_id": tenant_id, "name": f"test {role}"})
        assert made.status_code == 201, made.text
        keys[role] = made.json()["key"]
    return Tenant(tenant_id, client(stack, keys["admin"]), client(stack, keys["ingest"]), keys["ingest"])


@pytest.fixture
def platform(stack: Stack) -> Iterator[httpx.Client]:
    with client(stack, stack.env["RAPPORT_BOOTSTRAP_TOKEN"]) as c:
        yield c


@pytest.fixture
def tenant(stack: Stack, platform: httpx.Client) -> Iterator[Tenant]:
    made = new_tenant(stack, platform)
    yield made
    made.admin.close()
    made.ingest.close()


def start_linkedin(c: httpx.Client, data: bytes, name: str = "export.zip", **fields: str) -> str:
    response = c.post("/v1/imports/linkedin", files={"file": (name, data, "application/zip")}, data=fields)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued" and body["status_url"] == f"/v1/imports/{body['job_id']}"
    assert response.headers["location"] == body["status_url"]
    return str(body["job_id"])


def finished(c: httpx.Client, job_id: str, timeout: float = 180) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        job: dict[str, Any] = c.get(f"/v1/imports/{job_id}", params={"limit": 500}).json()
        return job if job["status"] in ("done", "failed") else None

    return eventually(ended, timeout=timeout, interval=0.3, what=f"import job {job_id} to end")


def all_rejections(c: httpx.Client, job_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = c.get(f"/v1/imports/{job_id}", params={"limit": 500, "offset": len(items)}).json()["rejections"]
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def error_of(response: httpx.Response) -> tuple[int, list[Any]]:
    body = response.json()["error"]
    return response.status_code, [d["loc"] for d in body["details"]]


# ---------------------------------------------------------------- the corpus


@pytest.mark.timeout(900)  # ~24,000 events through the services; minutes on a busy 2-core machine
def test_every_linkedin_export_imports_with_every_row_explained(tenant: Tenant) -> None:
    lines = [f"{'export':40} {'file':52} {'rows':>6} {'w/ev':>6} {'events':>6} {'rej':>5} {'listed':>6} {'dup':>4}"]
    unexplained: list[str] = []
    totals: Counter[str] = Counter()
    for folder in export_folders():
        job_id = start_linkedin(tenant.ingest, zipped(folder), name=f"{folder.name}.zip")
        job = finished(tenant.ingest, job_id)
        if job["status"] == "failed" and "import it again with rep_id" in job["error"]:
            # an export of recommendations only (set_08) names no owner: the job says so, and the
            # user gives the rep
            job_id = start_linkedin(tenant.ingest, zipped(folder), rep_id=f"owner-{folder.name}")
            job = finished(tenant.ingest, job_id)
        assert job["status"] == "done", (folder.name, job["error"])
        listed = Counter(r["file"] for r in all_rejections(tenant.ingest, job_id))
        assert job["events_refused"] == 0 and None not in listed
        assert sum(listed.values()) == job["rejected"] == sum(f["rejected"] for f in job["files"])
        assert job["rows_read"] == sum(f["rows_read"] for f in job["files"])
        assert job["events_produced"] == sum(f["events"] for f in job["files"])
        assert job["events_accepted"] + job["duplicates"] == job["events_produced"]
        assert job["progress"] == {"events_posted": job["events_produced"], "events_total": job["events_produced"],
                                   "fraction": 1.0}
        for f in job["files"]:
            rejected = listed[f["file"]]
            if f["rows_read"] != f["rows_with_events"] + rejected or f["rejected"] != rejected:
                unexplained.append(f"{folder.name}: {f['file']}")
            if f["skipped_reason"]:
                assert f["rows_read"] == 0, f
            totals.update(rows=f["rows_read"], with_events=f["rows_with_events"], events=f["events"],
                          rejected=f["rejected"])
            lines.append(f"{folder.name[:40]:40} {f['file'][-52:]:52} {f['rows_read']:6} {f['rows_with_events']:6} "
                         f"{f['events']:6} {f['rejected']:5} {listed[f['file']]:6} {f['repeated']:4}"
                         + (f"  ({f['skipped_reason']})" if f["skipped_reason"] else ""))
        lines.append(f"{folder.name[:40]:40} job: rep {job['rep_id']}, {job['events_produced']} events, "
                     f"{job['events_accepted']} accepted, {job['duplicates']} already known")
    lines.append(f"TOTAL {dict(totals)}")
    print("\n" + "\n".join(lines))
    assert unexplained == []
    assert totals["rows"] == totals["with_events"] + totals["rejected"]
    assert totals["events"] > 10_000


def network_of(c: httpx.Client, rep: str) -> dict[str, Any]:
    response = c.get(f"/v1/reps/{rep}/network")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_importing_an_export_twice_changes_nothing(stack: Stack, tenant: Tenant) -> None:
    folder = next(f for f in export_folders() if f.name == "set_07")  # the Jul-2023 "Basic" export
    data = zipped(folder)
    first = finished(tenant.ingest, start_linkedin(tenant.ingest, data))
    assert first["status"] == "done", first["error"]
    assert first["events_produced"] > 1000
    assert first["events_accepted"] == first["events_produced"] and first["duplicates"] == 0
    before = network_of(tenant.admin, first["rep_id"])
    assert before["connections"]["total"] > 0

    second = finished(tenant.ingest, start_linkedin(tenant.ingest, data))
    assert second["status"] == "done", second["error"]
    assert second["events_accepted"] == 0 and second["duplicates"] == first["events_produced"]
    same = ("rep_id", "rows_read", "events_produced", "rejected", "files", "rejection_reasons", "rejections")
    assert {k: second[k] for k in same} == {k: first[k] for k in same}
    assert network_of(tenant.admin, first["rep_id"]) == before

    admin_key = tenant.admin.headers["authorization"].removeprefix("Bearer ")
    env = {"RAPPORT_URL": stack.gateway_url, "RAPPORT_TOKEN": admin_key, "RAPPORT_CONFIG": "/nonexistent"}
    score_path = f"/v1/reps/{first['rep_id']}/score"  # scoring learns of the rep from Kafka, a moment later
    eventually(lambda: tenant.admin.get(score_path).status_code == 200 or None, timeout=60, what="the rep's score")
    code, out, err = run_cli(["score", first["rep_id"], "--date", "2023-07-09", "--json"], env)
    assert code == 0, err
    assert json.loads(out)["rep_id"] == first["rep_id"]
    code, out, err = run_cli(["score", first["rep_id"], "--date", "2023-07-09"], env)
    assert code == 0 and out.startswith(f"{first['rep_id']} on 2023-07-09: "), (out, err)


# ---------------------------------------------------------------- checks, scoping, failures


CONNECTIONS = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
               "Ada,Example,https://www.linkedin.com/in/ada-example,,Acme,CTO,12 Mar 2024\n"
               "Bo,Sample,https://www.linkedin.com/in/bo-sample,,Globex,CFO,13 Mar 2024\n"
               ",,,,,,14 Mar 2024\n")


def test_bad_uploads_are_refused_naming_the_field(tenant: Tenant) -> None:
    c = tenant.ingest
    post = c.post
    assert error_of(post("/v1/imports/linkedin", files={"file": ("x.zip", b"not a zip", "application/zip")})) == (
        422, [["file"]])
    assert error_of(post("/v1/imports/linkedin", files={"file": ("x.zip", b"", "application/zip")})) == (
        422, [["file"]])
    assert error_of(post("/v1/imports/linkedin", files={"rep_id": ("r", b"x")})) == (422, [["file"]])
    no_export = archive({"notes.txt": "hello"})
    assert error_of(post("/v1/imports/linkedin", files={"file": ("x.zip", no_export, "application/zip")})) == (
        422, [["file"]])
    bad_url = post("/v1/imports/linkedin", files={"file": ("x.zip", archive({"Connections.csv": CONNECTIONS}))},
                   data={"rep_profile_url": "https://example.com/ada"})
    assert error_of(bad_url) == (422, [["rep_profile_url"]])
    bad_rep = post("/v1/imports/linkedin", files={"file": ("x.zip", archive({"Connections.csv": CONNECTIONS}))},
                   data={"rep_id": "ada/../bo"})
    assert error_of(bad_rep) == (422, [["rep_id"]])
    assert error_of(post("/v1/imports/crm", json={"file": "x"})) == (415, [["file"]])
    csv_file = {"file": ("p.csv", b"id,who,stage,opened\n1,Ada Example,Won,2024-01-02\n", "text/csv")}
    assert error_of(post("/v1/imports/crm", files=csv_file)) == (422, [["mapping"]])  # not the Maven layout
    assert error_of(post("/v1/imports/crm", files=csv_file, data={"mapping": "{not json"})) == (422, [["mapping"]])
    assert error_of(post("/v1/imports/crm", files=csv_file, data={"mapping": '{"columns": {"rep": "who"}}'})) == (
        422, [["mapping"]])
    mapping = b'{"columns": {"opportunity_id": "id", "rep": "who", "stage": "stage", "created_at": "nope"}}'
    lacking = post("/v1/imports/crm", files={**csv_file, "mapping": ("m.json", mapping, "application/json")})
    assert error_of(lacking) == (422, [["mapping"]])
    assert "nope" in lacking.json()["error"]["message"]
    assert c.get("/v1/imports/does-not-exist").status_code == 404


def test_a_mapped_csv_imports_and_an_unknown_owner_asks_for_rep_id(tenant: Tenant) -> None:
    mapping = '{"columns": {"opportunity_id": "id", "rep": "who", "stage": "stage", "created_at": "opened"}}'
    rows = b"id,who,stage,opened\nD-1,Ada Example,Open,2024-01-02\nD-2,,Open,2024-01-03\n"
    response = tenant.ingest.post("/v1/imports/crm", files={"file": ("pipe.csv", rows, "text/csv")},
                                  data={"mapping": mapping})
    assert response.status_code == 202, response.text
    job = finished(tenant.ingest, response.json()["job_id"])
    assert (job["status"], job["kind"], job["rows_read"], job["events_produced"], job["rejected"]) == (
        "done", "crm", 2, 1, 1)
    assert job["rejections"]["items"] == [{"file": "pipe.csv", "line": 3, "reason": "row has no rep", "detail": None}]

    data = archive({"Connections.csv": CONNECTIONS})  # nothing in it names the owner
    unknown = finished(tenant.ingest, start_linkedin(tenant.ingest, data))
    assert unknown["status"] == "failed" and "rep_id" in unknown["error"]
    assert unknown["events_accepted"] == 0 and unknown["rows_read"] == 3
    named = finished(tenant.ingest, start_linkedin(tenant.ingest, data, rep_id="ada-owner"))
    assert (named["status"], named["rep_id"], named["events_accepted"], named["rejected"]) == (
        "done", "ada-owner", 2, 1)
    assert named["rejections"]["items"][0]["line"] == 4


def test_another_tenants_job_is_not_found(stack: Stack, tenant: Tenant, platform: httpx.Client) -> None:
    job_id = start_linkedin(tenant.ingest, archive({"Connections.csv": CONNECTIONS}), rep_id="ada-owner")
    assert finished(tenant.ingest, job_id)["status"] == "done"
    other = new_tenant(stack, platform)
    try:
        for c in (other.admin, other.ingest, platform):
            response = c.get(f"/v1/imports/{job_id}")
            assert response.status_code == 404, response.text
            assert tenant.tenant_id not in response.text
    finally:
        other.admin.close()
        other.ingest.close()


def test_a_job_left_running_by_a_dead_gateway_is_marked_failed(stack: Stack, tenant: Tenant) -> None:
    engine = create_engine(stack.env["GATEWAY_DATABASE_URL"])
    job_id = f"orphan-{uuid.uuid4().hex[:8]}"
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO import_job (tenant_id, job_id, kind, status, rep_id, rows_read, events_produced, "
            "events_accepted, duplicates, rejected, rejections, files, error, created_at, updated_at) VALUES "
            "(:t, :j, 'linkedin', 'running', NULL, 0, 0, 0, 0, 0, '[]', '[]', NULL, :at, :at)"),
            {"t": tenant.tenant_id, "j": job_id, "at": long_ago})
    engine.dispose()
    job = tenant.ingest.get(f"/v1/imports/{job_id}").json()
    assert job["status"] == "failed" and job["error"].startswith("interrupted")


def test_the_jobs_are_listed_newest_first_filtered_and_paged(stack: Stack, tenant: Tenant,
                                                             platform: httpx.Client) -> None:
    mapping = '{"columns": {"opportunity_id": "id", "rep": "who", "stage": "stage", "created_at": "opened"}}'
    crm = tenant.ingest.post("/v1/imports/crm", data={"mapping": mapping}, files={
        "file": ("pipe.csv", b"id,who,stage,opened\nD-1,Ada Example,Open,2024-01-02\n", "text/csv")})
    assert crm.status_code == 202, crm.text
    crm_job = finished(tenant.ingest, crm.json()["job_id"])
    data = archive({"Connections.csv": CONNECTIONS})
    failed = finished(tenant.ingest, start_linkedin(tenant.ingest, data))  # nobody named: fails
    done = finished(tenant.ingest, start_linkedin(tenant.ingest, data, rep_id="ada-owner"))
    assert (crm_job["status"], failed["status"], done["status"]) == ("done", "failed", "done")

    listed = tenant.admin.get("/v1/imports")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    assert [j["job_id"] for j in body["items"]] == [done["job_id"], failed["job_id"], crm_job["job_id"]]
    first = body["items"][0]
    summary = ("job_id", "kind", "status", "phase", "rep_id", "error", "created_at", "progress", "rows_read",
               "events_produced", "events_accepted", "duplicates", "rejected", "events_refused")
    assert {k: first[k] for k in summary} == {k: done[k] for k in summary}
    assert "rejections" not in first and "files" not in first  # the job's own read has them

    def ids(**params: Any) -> list[str]:
        response = tenant.ingest.get("/v1/imports", params=params)
        assert response.status_code == 200, response.text
        return [j["job_id"] for j in response.json()["items"]]

    assert ids(status="failed") == [failed["job_id"]]
    assert ids(kind="crm") == [crm_job["job_id"]]
    assert ids(kind="linkedin", status="done") == [done["job_id"]]
    assert ids(status="running") == []
    assert ids(limit=1, offset=1) == [failed["job_id"]]
    for params, field in (({"status": "finished"}, "status"), ({"kind": "csv"}, "kind"), ({"limit": 0}, "limit")):
        assert error_of(tenant.ingest.get("/v1/imports", params=params)) == (422, [["query", field]])

    other = new_tenant(stack, platform)
    try:
        assert other.admin.get("/v1/imports").json()["total"] == 0  # another tenant's jobs are not listed
    finally:
        other.admin.close()
        other.ingest.close()


def test_an_export_already_imported_under_another_rep_is_refused(stack: Stack, tenant: Tenant,
                                                                 tmp_path: Path) -> None:
    folder = next(f for f in export_folders() if f.name == "set_05")
    data = zipped(folder)
    first = finished(tenant.ingest, start_linkedin(tenant.ingest, data))
    assert first["status"] == "done" and first["events_accepted"] > 100, first["error"]
    owner = first["rep_id"]
    before = network_of(tenant.admin, owner)

    refused = finished(tenant.ingest, start_linkedin(tenant.ingest, data, rep_id="someone-else"))
    assert refused["status"] == "failed" and refused["rep_id"] == "someone-else"
    assert refused["conflict"] == {"rep_id": owner, "job_id": first["job_id"]}
    assert f"already imported under rep {owner!r}" in refused["error"] and "POST /v1/admin/reps" in refused["error"]
    assert refused["events_accepted"] == 0 and refused["duplicates"] == 0  # nothing was posted
    assert refused["rows_read"] == first["rows_read"]  # the parse is still shown
    assert tenant.admin.get("/v1/reps/someone-else/network").status_code == 404  # the network knows no such rep
    assert network_of(tenant.admin, owner) == before

    again = finished(tenant.ingest, start_linkedin(tenant.ingest, data, rep_id=owner))  # the same rep: fine
    assert again["status"] == "done" and again["conflict"] is None
    assert (again["events_accepted"], again["duplicates"]) == (0, first["events_produced"])

    path = tmp_path / "export.zip"
    path.write_bytes(data)
    env = {"RAPPORT_URL": stack.gateway_url, "RAPPORT_TOKEN": tenant.ingest_key, "RAPPORT_CONFIG": "/nonexistent"}
    code, out, err = run_cli(["import", "linkedin", str(path), "--rep", "another-one", "--progress", "off"], env)
    assert code == 1, (out, err)
    assert f"already imported under rep {owner!r}" in err
    code, out, err = run_cli(["import", "list", "--status", "failed"], env)
    assert code == 0, err
    assert out.count("already imported under rep") == 2 and "another-one" in out and "someone-else" in out


OLD_EXPORT = {  # 2018-era files: people by name (and company) only
    "Profile.csv": "First Name,Last Name,Headline\nRae,Owner,Sales\n",
    "Connections.csv": ("First Name,Last Name,Email Address,Company,Position,Connected On\n"
                        'Ada,Example,,Acme,CTO,"1/8/18, 6:14 PM"\n'
                        'Bo,Sample,,Globex,CFO,"4/4/18, 10:35 AM"\n'
                        'Cy,Third,,Initech,COO,"5/5/18, 9:00 AM"\n'),
    "Invitations.csv": 'From,To,Sent At,Message,Direction\nRae Owner,Dee Fourth,"8/18/18, 9:08 AM",,OUTGOING\n',
}
NEW_EXPORT = {  # a later export of the same member: the same people with profile URLs, and one more
    "Profile.csv": "First Name,Last Name,Headline\nRae,Owner,Sales\n",
    "Connections.csv": ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                        "Ada,Example,https://www.linkedin.com/in/ada-example,,Acme,CTO,08 Jan 2018\n"
                        "Bo,Sample,https://www.linkedin.com/in/bo-sample,,Globex,CFO,04 Apr 2018\n"
                        "Eve,Fifth,https://www.linkedin.com/in/eve-fifth,,Umbrella,CEO,01 Feb 2024\n"),
    "Invitations.csv": ("From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
                        'Rae Owner,Dee Fourth,"2/12/24, 11:44 AM",,OUTGOING,https://www.linkedin.com/in/rae-owner,'
                        "https://www.linkedin.com/in/dee-fourth\n"),
}


def test_people_known_by_name_merge_into_a_later_import_with_urls(tenant: Tenant) -> None:
    old = finished(tenant.ingest, start_linkedin(tenant.ingest, archive(OLD_EXPORT)))
    assert (old["status"], old["rep_id"], old["rejected"], old["events_accepted"]) == ("done", "rae-owner", 0, 4)
    connections = network_of(tenant.admin, "rae-owner")["connections"]
    assert (connections["total"], connections["accepted"], connections["pending"]) == (4, 3, 1)
    assert connections["known_by_name"] == 4  # every person of the old export is known by name only

    new = finished(tenant.ingest, start_linkedin(tenant.ingest, archive(NEW_EXPORT)))
    assert (new["status"], new["rep_id"], new["events_accepted"]) == ("done", "rae-owner", 4)  # new ids: new rows

    def merged() -> dict[str, Any] | None:
        counts: dict[str, Any] = network_of(tenant.admin, "rae-owner")["connections"]
        return counts if counts["total"] == 5 else None

    # Ada and Bo (name and company), Dee (invited by name, then by URL) are one person each; Cy
    # stays known by name; Eve is new: 5 people, not 8
    connections = eventually(merged, timeout=30, what="the merged network")
    assert (connections["accepted"], connections["pending"], connections["known_by_name"]) == (4, 1, 1)
    assert connections["outbound_requests"] == 1  # Dee's two invitations are one request history


# ---------------------------------------------------------------- the CLI and the outcomes report


def run_cli(args: list[str], env: dict[str, str], *, tty_stderr: bool = False,
            timeout: float = 300) -> tuple[int, str, str]:
    """Run the `rapport` console script; with `tty_stderr`, stderr is a terminal (a pty)."""
    full_env = {**os.environ, **env, "TERM": "xterm"}
    if not tty_stderr:
        done = subprocess.run([str(RAPPORT), *args], env=full_env, capture_output=True, text=True, timeout=timeout)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run([str(RAPPORT), *args], env=full_env, stdout=subprocess.PIPE, stderr=follower,
                              text=True, timeout=timeout)
    finally:
        os.close(follower)
        reader.join(timeout=5)
        os.close(leader)
    return done.returncode, done.stdout, b"".join(chunks).decode(errors="replace")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def maven_expected(path: Path) -> tuple[dict[str, dict[str, Any]], int, int]:
    """Per agent slug: won, lost, win_rate, median cycle days, won amount; and rows, rows without
    an engage date — straight from the CSV."""
    won: dict[str, int] = defaultdict(int)
    lost: dict[str, int] = defaultdict(int)
    amount: dict[str, float] = defaultdict(float)
    cycles: dict[str, list[int]] = defaultdict(list)
    rows = not_engaged = 0
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            rows += 1
            if not row["engage_date"]:
                not_engaged += 1
                continue
            rep = slug(row["sales_agent"])
            if row["deal_stage"] == "Won":
                won[rep] += 1
                amount[rep] += float(row["close_value"] or 0)
                opened, closed = date.fromisoformat(row["engage_date"]), date.fromisoformat(row["close_date"])
                cycles[rep].append((closed - opened).days)
            elif row["deal_stage"] == "Lost":
                lost[rep] += 1
    expected = {rep: {"won": won[rep], "lost": lost[rep], "win_rate": round(won[rep] / (won[rep] + lost[rep]), 4),
                      "median_cycle_days": statistics.median(cycles[rep]) if cycles[rep] else None,
                      "won_amount": round(amount[rep], 2)} for rep in set(won) | set(lost)}
    return expected, rows, not_engaged


@pytest.mark.timeout(600)
def test_maven_csv_through_the_cli_matches_the_outcomes_report(stack: Stack, platform: httpx.Client) -> None:
    maven = fixture(MAVEN_PIPELINE)
    expected, rows, not_engaged = maven_expected(maven)
    assert len(expected) >= 30 and rows == 8800
    platform_env = {"RAPPORT_URL": stack.gateway_url, "RAPPORT_TOKEN": stack.env["RAPPORT_BOOTSTRAP_TOKEN"],
                    "RAPPORT_CONFIG": "/nonexistent/rapport.toml"}
    tenant_id = f"imp-{uuid.uuid4().hex[:10]}"
    code, out, err = run_cli(["admin", "tenants", "create", tenant_id, "--name", "Maven"], platform_env)
    assert code == 0, err
    assert tenant_id in out
    keys = {}
    for role in ("ingest", "admin"):
        code, out, err = run_cli(["--json", "admin", "keys", "create", "--role", role, "--tenant", tenant_id],
                                 platform_env)
        assert code == 0, err
        keys[role] = json.loads(out)["key"]

    env = {**platform_env, "RAPPORT_TOKEN": keys["ingest"]}
    code, out, err = run_cli(["import", "crm", str(maven)], env, tty_stderr=True)
    assert code == 0, (out, err)
    assert "\r" in err and "[" + "#" * 30 + "] 100%" in err, err[-500:]  # the bar, drawn in place to the end
    assert re.search(r"import \w+ \(crm\) done", out) and "8,800 rows read" in out, out
    job_id = re.search(r"import (\w+) \(crm\)", out).group(1)  # type: ignore[union-attr]

    code, out, err = run_cli(["import", "status", job_id, "--json"], env)
    assert code == 0, err
    job = json.loads(out)
    assert (job["rows_read"], job["rejected"]) == (rows, not_engaged)
    won_or_lost = sum(e["won"] + e["lost"] for e in expected.values())
    assert job["events_produced"] == (rows - not_engaged) + won_or_lost
    assert job["events_accepted"] == job["events_produced"]

    with client(stack, keys["admin"]) as admin:
        def complete() -> dict[str, dict[str, Any]] | None:
            groups = admin.get("/v1/reports/outcomes", params={"group_by": "rep"}).json()["groups"]
            mine = {g["rep_id"]: g for g in groups}
            counted = sum(g["won"] + g["lost"] for g in mine.values())
            return mine if counted == won_or_lost else None

        report = eventually(complete, timeout=180, interval=1, what="every Maven opportunity in the outcomes report")
    assert set(report) == set(expected)  # a fresh tenant: every rep of the report is a Maven agent
    for rep, want in expected.items():
        assert {k: report[rep][k] for k in want} == want, rep


def test_tail_follows_the_stream(stack: Stack, tenant: Tenant) -> None:
    admin_key = tenant.admin.headers["authorization"].removeprefix("Bearer ")
    env = {**os.environ, "RAPPORT_URL": stack.gateway_url, "RAPPORT_TOKEN": admin_key,
           "RAPPORT_CONFIG": "/nonexistent"}
    tail = subprocess.Popen([str(RAPPORT), "--json", "tail", "--types", "rapport.insight."], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(tail.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        rep = f"rep-{uuid.uuid4().hex[:8]}"

        def seen() -> dict[str, Any] | None:
            # a new event each time: the stream shows what is published after it connected
            event: dict[str, Any] = {
                "specversion": "1.0", "id": str(uuid.uuid4()), "source": "tests", "time": "2026-11-20T10:00:00Z",
                "type": "rapport.insight.profile.viewed", "tenantid": tenant.tenant_id,
                "data": {"rep_id": rep, "person": {"profile_url": "https://www.linkedin.com/in/ada"}}}
            assert tenant.ingest.post("/v1/events", json=event).status_code == 202
            return next((json.loads(line) for line in list(lines) if rep in line), None)

        streamed = eventually(seen, timeout=30, interval=1, what="the posted event on `rapport tail`")
        assert streamed["type"] == "rapport.insight.profile.viewed" and streamed["data"]["rep_id"] == rep
    finally:
        tail.send_signal(2)  # Ctrl-C
        code = tail.wait(timeout=15)
    assert code == 0, tail.stderr.read() if tail.stderr else ""
