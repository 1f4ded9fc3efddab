"""The dashboard's Imports view in headless Chromium: a tenant's jobs as the API lists them
(newest first, with progress and counts), one job's per-file table and rejections by reason, and
the status filter. Its own tenant, so the demo data's views are untouched."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoStack, screenshot, show, sign_in
from tests.integration.helpers import archive, eventually

CONNECTIONS = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
               "Ada,Example,https://www.linkedin.com/in/ada-example,,Acme,CTO,12 Mar 2024\n"
               "Bo,Sample,,,Globex,CFO,13 Mar 2024\n"
               ",,,,,,14 Mar 2024\n")


def new_admin(api: httpx.Client) -> str:
    tenant = f"e2e-imp-{uuid.uuid4().hex[:8]}"
    assert api.post("/v1/admin/tenants", json={"tenant_id": tenant, "name": "Imports view"}).status_code == 201
    made = api.post("/v1/admin/api-keys", json={"role": "admin", "tenant_id": tenant, "name": "e2e imports"})
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


def finished(c: httpx.Client, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    url = response.json()["status_url"]

    def ended() -> dict[str, Any] | None:
        job: dict[str, Any] = c.get(url).json()
        return job if job["status"] in ("done", "failed") else None

    return eventually(ended, timeout=120, interval=0.3, what=f"{url} to end")


def test_the_imports_view_lists_the_jobs_and_explains_one(page: Page, demo_stack: DemoStack,
                                                          api: httpx.Client) -> None:
    key = new_admin(api)
    with httpx.Client(base_url=demo_stack.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
        export = {"file": ("export.zip", archive({"Connections.csv": CONNECTIONS}), "application/zip")}
        linkedin = finished(c, c.post("/v1/imports/linkedin", files=export, data={"rep_id": "ada-owner"}))
        failed = finished(c, c.post("/v1/imports/linkedin", files=export))  # nothing names the owner
        crm = finished(c, c.post("/v1/imports/crm", files={"file": (
            "pipe.csv", b"id,who,stage,opened\nD-1,Ada Example,Open,2024-01-02\nD-2,,Open,2024-01-03\n", "text/csv")},
            data={"mapping": '{"columns": {"opportunity_id": "id", "rep": "who", "stage": "stage", '
                             '"created_at": "opened"}}'}))
        listed = c.get("/v1/imports").json()
    assert (linkedin["status"], failed["status"], crm["status"]) == ("done", "failed", "done")

    sign_in(page, demo_stack, key=key)
    show(page, "imports", "imports")
    rows = page.locator("[data-testid=imports-table] tbody tr")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-job") for i in range(3)] == [j["job_id"] for j in listed["items"]]
    assert [j["job_id"] for j in listed["items"]] == [crm["job_id"], failed["job_id"], linkedin["job_id"]]
    expect(rows.nth(0).get_by_test_id("import-status")).to_have_text("done")
    expect(rows.nth(1).get_by_test_id("import-status")).to_have_text("failed")
    expect(rows.nth(1)).to_contain_text("rep_id")  # the failed job says what to do
    expect(rows.nth(2).get_by_test_id("import-progress")).to_have_text("100%")

    rows.nth(2).click()  # the LinkedIn job
    detail = page.get_by_test_id("import-detail")
    expect(detail).to_have_attribute("data-job", linkedin["job_id"])
    expect(page.get_by_test_id("import-rows-value")).to_have_text(str(linkedin["rows_read"]))
    expect(page.get_by_test_id("import-accepted-value")).to_have_text(str(linkedin["events_accepted"]))
    expect(page.get_by_test_id("import-rejected-value")).to_have_text(str(linkedin["rejected"]))
    files = page.locator("[data-testid=import-files] tbody tr")
    expect(files).to_have_count(len([f for f in linkedin["files"] if not f["skipped_reason"] or f["rows_read"]]))
    connections = page.locator("[data-testid=import-files] tbody tr[data-file='Connections.csv'] td")
    expect(connections.nth(2)).to_have_text("3")  # rows
    expect(connections.nth(4)).to_have_text("2")  # events: Ada by URL, Bo by name
    expect(connections.nth(5)).to_have_text("1")  # the row naming nobody
    reasons = page.locator("[data-testid=import-reasons] tbody tr")
    expect(reasons).to_have_count(len(linkedin["rejection_reasons"]))
    expect(reasons.nth(0)).to_contain_text(linkedin["rejection_reasons"][0]["reason"])
    screenshot(page, "imports")

    page.get_by_test_id("imports-status").select_option("failed")
    page.wait_for_function("() => location.hash.includes('status=failed')")
    page.wait_for_selector("main[data-ready='imports'] [data-testid=imports-table]")
    expect(page.locator("[data-testid=imports-table] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=imports-table] tbody tr").nth(0)).to_have_attribute("data-job", failed["job_id"])
