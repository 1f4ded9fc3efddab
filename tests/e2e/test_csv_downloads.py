"""Every "Download CSV" button of the dashboard (demo data set): clicking it saves a file that the
`csv` module parses, with the same lines as the view's API read (docs/integrations.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
from playwright.sync_api import Page

from tests.e2e.conftest import DemoStack, screenshot, show, sign_in

REP = "rep-kevin-walsh"  # the demo's spammer: a history and alerts of every kind he is built to raise


def download(page: Page, testid: str) -> list[dict[str, str]]:
    with page.expect_download() as started:
        page.get_by_test_id(testid).click()
    saved = started.value
    path = saved.path()
    assert saved.suggested_filename.endswith(".csv") and path is not None
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_each_view_downloads_its_csv(page: Page, demo_stack: DemoStack, api: httpx.Client) -> None:
    sign_in(page, demo_stack)
    show(page, "leaderboard", "leaderboard")
    board = download(page, "csv-leaderboard")
    total = api.get("/v1/leaderboard").json()["total_reps"]
    assert len(board) == total and {"rep_id", "name", "pillars.insight", "rank"} <= set(board[0])

    show(page, f"reps/{REP}", "reps")
    screenshot(page, "rep-csv-buttons")
    history = download(page, "csv-history")
    assert len(history) == 90 and any(c.startswith("contribution.") for c in history[0])
    alerts = download(page, "csv-alerts")
    assert len(alerts) == len(api.get(f"/v1/reps/{REP}/alerts").json()["alerts"]) > 0
    assert {"kind", "date", "evidence"} <= set(alerts[0])

    show(page, "accounts", "accounts")
    accounts = download(page, "csv-accounts")
    assert len(accounts) == api.get("/v1/accounts").json()["total"] > 0
    assert "buying_centre.class" in accounts[0]

    show(page, "outcomes", "outcomes")
    outcomes = download(page, "csv-outcomes")
    assert [r["rep_id"] for r in outcomes] == [
        g["rep_id"] for g in api.get("/v1/reports/outcomes").json()["groups"]]

    show(page, "content", "content")
    content = download(page, "csv-content")
    assert len(content) == api.get("/v1/content").json()["total"] > 0
    assert content[0]["rank"] == "1" and "engagement.score" in content[0]
