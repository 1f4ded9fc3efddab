"""Live updates: the dashboard reads GET /v1/stream with fetch() (EventSource cannot send the
bearer key) and refreshes the view a published score update makes stale. Runs after
test_dashboard.py: it adds an event to the demo data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Page, expect

from rapportkit.envelope import new_event
from tests.e2e.conftest import DemoStack, screenshot, sign_in


def test_a_posted_event_reaches_the_leaderboard_through_the_stream(page: Page, demo_stack: DemoStack,
                                                                   api: httpx.Client) -> None:
    assert "/v1/stream" in api.get("/openapi.json").json()["paths"], "the gateway has no GET /v1/stream"
    sign_in(page, demo_stack)
    live = page.locator("#live")
    expect(live).to_have_attribute("data-state", "live")
    rep = "rep-noah-brown"
    before = api.get(f"/v1/reps/{rep}/score").json()["total"]
    when = datetime.now(UTC) - timedelta(minutes=1)
    event = new_event(type="rapport.insight.profile.viewed", tenant_id="demo", source="tests/e2e", time=when,
                      id=f"e2e-{uuid.uuid4()}", data={"rep_id": rep, "person": {
                          "profile_url": f"https://www.linkedin.com/in/e2e-{uuid.uuid4().hex[:8]}"}})
    assert api.post("/v1/events", json=event).status_code == 202
    page.wait_for_function(
        """([rep, day]) => (window.rapportStream.recent || []).some(
             e => e.type === 'rapport.scoring.score.updated' && e.rep_id === rep && e.date === day)""",
        arg=[rep, when.date().isoformat()], timeout=20_000)
    after = api.get(f"/v1/reps/{rep}/score").json()["total"]
    assert after > before
    row = page.locator(f"[data-testid=leaderboard-table] tr[data-rep='{rep}'] .total")
    expect(row).to_have_text(f"{after:.2f}", timeout=15_000)  # the view refreshed itself
    expect(page.locator("#live-text")).to_contain_text("updates")
    screenshot(page, "leaderboard-live")


def test_without_a_stream_the_dashboard_says_so_and_keeps_working(page: Page, demo_stack: DemoStack) -> None:
    """The stream answering 404 (an older gateway) degrades to an indicator; the views still work."""
    page.route("**/v1/stream*", lambda route: route.fulfill(
        status=404, content_type="application/json",
        body='{"error": {"code": "not_found", "message": "Not Found", "details": []}}'))
    sign_in(page, demo_stack)
    expect(page.locator("#live")).to_have_attribute("data-state", "unavailable")
    expect(page.locator("#live-text")).to_contain_text("unavailable")
    expect(page.locator("[data-testid=leaderboard-table] tbody tr").first).to_be_visible()
