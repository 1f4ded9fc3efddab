"""The dashboard in headless Chromium: each view renders the API's real data (demo data set),
with its charts; a bad key is refused with a message. Screenshots: test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoStack, js_num, screenshot, show, sign_in

PILLARS = ("insight", "connect", "engage", "brand")
QUADRANTS = ("high_status_small_centre", "high_status_large_centre", "low_status_small_centre",
             "low_status_large_centre")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_the_gateway_serves_the_dashboard(demo_stack: DemoStack) -> None:
    with httpx.Client(base_url=demo_stack.url, timeout=30) as client:
        index = client.get("/")
        assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in index.headers["content-security-policy"]
        assert '<script type="module" src="/static/app.js">' in index.text
        script = client.get("/static/app.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert client.get("/static/views/rep.js").status_code == 200
        assert client.get("/static/../dashboard.py").status_code == 404
        assert client.get("/static/no-such-file.js").status_code == 404
        assert "/" not in client.get("/openapi.json").json()["paths"]  # the page is not part of the API


def test_a_bad_key_shows_an_error(page: Page, demo_stack: DemoStack) -> None:
    page.goto(f"{demo_stack.url}/")
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#api-key", "rp_this-key-does-not-exist")
    page.click("#signin-button")
    error = page.locator("#signin-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("not accepted")
    expect(page.locator("#shell")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('rapport.apiKey')") is None
    screenshot(page, "signin-bad-key")


def test_sign_in_keeps_the_key_for_the_tab_and_sign_out_forgets_it(page: Page, demo_stack: DemoStack) -> None:
    sign_in(page, demo_stack)
    assert page.evaluate("sessionStorage.getItem('rapport.apiKey')") == demo_stack.token
    page.reload()
    page.wait_for_selector("main[data-ready='leaderboard']")  # still signed in
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('rapport.apiKey')") is None


def test_leaderboard_shows_the_apis_ranking_with_a_bar_per_rep(page: Page, demo_stack: DemoStack,
                                                               api: httpx.Client) -> None:
    board = api.get("/v1/leaderboard", params={"limit": 100, "date": today()}).json()
    assert len(board["reps"]) >= len(demo_stack.data.reps)
    sign_in(page, demo_stack)
    rows = page.locator("[data-testid=leaderboard-table] tbody tr")
    expect(rows).to_have_count(len(board["reps"]))
    top = board["reps"][0]
    expect(rows.nth(0).locator(".rep-name")).to_have_text(top["name"])
    expect(rows.nth(0).locator(".total")).to_have_text(f"{top['total']:.2f}")
    for pillar in PILLARS:
        expect(rows.nth(0).locator(f".pillar-{pillar}")).to_have_text(f"{top['pillars'][pillar]:.2f}")
    expect(page.get_by_test_id("top-rep-value")).to_have_text(top["name"])
    expect(page.get_by_test_id("reps-scored-value")).to_have_text(str(board["total_reps"]))
    bars = page.locator("[data-testid=leaderboard-chart] g.bar")
    expect(bars).to_have_count(len(board["reps"]))
    assert bars.nth(0).get_attribute("data-label") == top["name"]
    assert float(bars.nth(0).get_attribute("data-value") or "nan") == top["total"]
    expect(bars.nth(0).locator("rect.bar-seg")).to_have_count(4)  # one segment per pillar
    screenshot(page, "leaderboard")

    team = "team-growth"
    of_team = api.get("/v1/leaderboard", params={"limit": 100, "date": today(), "team_id": team}).json()
    page.evaluate("document.getElementById('view').removeAttribute('data-ready')")
    page.select_option("#team-filter", team)
    page.wait_for_selector("main[data-ready='leaderboard']")
    expect(rows).to_have_count(len(of_team["reps"]))
    assert {r["rep_id"] for r in of_team["reps"]} == {r.rep_id for r in demo_stack.data.reps if r.team_id == team}
    names = rows.locator(".rep-name").all_inner_texts()
    assert names == [r["name"] for r in of_team["reps"]]
    expect(page.locator("[data-testid=leaderboard-chart] g.bar")).to_have_count(len(of_team["reps"]))
    assert f"team={team}" in page.url
    screenshot(page, "leaderboard-team")


def test_rep_page_explains_the_apis_score_with_trend_and_alerts(page: Page, demo_stack: DemoStack,
                                                                 api: httpx.Client) -> None:
    rep = "rep-kevin-walsh"  # the spammer: penalties and every kind of alert he is built to raise
    score = api.get(f"/v1/reps/{rep}/score", params={"date": today()}).json()
    alerts = api.get(f"/v1/reps/{rep}/alerts").json()["alerts"]
    assert {a["kind"] for a in alerts} >= demo_stack.data.alerts[rep]
    sign_in(page, demo_stack)
    show(page, f"reps/{rep}", "reps")
    expect(page.get_by_test_id("rep-name")).to_have_text("Kevin Walsh")
    expect(page.get_by_test_id("rep-total-value")).to_have_text(f"{score['total']:.2f}")
    for pillar in PILLARS:
        expect(page.get_by_test_id(f"pillar-{pillar}-value")).to_have_text(f"{score['pillars'][pillar]:.2f}")
        expect(page.get_by_test_id(f"pillar-sum-{pillar}")).to_have_text(f"{score['pillars'][pillar]:.2f}")
    factors = page.locator("[data-testid=factor-table] tr.factor")
    expect(factors).to_have_count(len(score["factors"]))
    for factor in score["factors"]:
        row = page.locator(f"tr.factor[data-factor='{factor['name']}']")
        cells = row.locator("td")
        expect(cells.nth(1)).to_have_text(js_num(factor["raw"], 4))
        expect(cells.nth(2)).to_have_text(js_num(factor["weight"]))
        expect(row.locator(".contribution")).to_have_text(f"{factor['contribution']:.2f}")
        assert row.locator(".explain").inner_text().strip(), f"{factor['name']} has no explanation"
    penalties = [f["name"] for f in score["factors"] if f["name"].startswith("penalty_")]
    assert penalties and page.locator("tr.penalty").count() == len(penalties)
    expect(page.locator("[data-testid=trend-chart] circle.point")).to_have_count(90)
    history = api.get(f"/v1/reps/{rep}/score/history").json()["series"]
    last = page.locator("[data-testid=trend-chart] circle.point").nth(89)
    assert last.get_attribute("data-date") == history[-1]["date"] == today()
    assert float(last.get_attribute("data-value") or "nan") == history[-1]["total"]
    items = page.locator("[data-testid=alerts] li")
    expect(items).to_have_count(len(alerts))
    assert sorted(items.evaluate_all("els => els.map(e => e.dataset.kind)")) == sorted(a["kind"] for a in alerts)
    expect(items.first.locator("dl")).to_contain_text(next(iter(alerts[0]["evidence"])).replace("_", " "))
    screenshot(page, "rep")


def test_a_good_reps_page_has_no_alerts(page: Page, demo_stack: DemoStack, api: httpx.Client) -> None:
    rep = "rep-maria-santos"
    assert api.get(f"/v1/reps/{rep}/alerts").json()["alerts"] == []
    score = api.get(f"/v1/reps/{rep}/score", params={"date": today()}).json()
    sign_in(page, demo_stack)
    show(page, f"reps/{rep}", "reps")
    expect(page.get_by_test_id("rep-total-value")).to_have_text(f"{score['total']:.2f}")
    expect(page.get_by_test_id("empty").filter(has_text="No dark-side alerts")).to_be_visible()
    screenshot(page, "rep-good")


def test_accounts_are_shown_by_quadrant_with_the_recommendation(page: Page, demo_stack: DemoStack,
                                                               api: httpx.Client) -> None:
    accounts = api.get("/v1/accounts", params={"limit": 500}).json()["items"]
    sign_in(page, demo_stack)
    show(page, "accounts", "accounts")
    for quadrant in QUADRANTS:
        expected = {a["account_id"] for a in accounts if a["quadrant"] == quadrant}
        assert expected, f"the demo data has no account in {quadrant}"
        cell = page.locator(f".quadrant[data-quadrant='{quadrant}']")
        shown = cell.locator("li").evaluate_all("els => els.map(e => e.dataset.account)")
        assert set(shown) == expected, quadrant
        first = sorted((a for a in accounts if a["quadrant"] == quadrant), key=lambda a: a["name"].lower())[0]
        recommendation = api.get(f"/v1/accounts/{first['account_id']}/recommendation").json()
        expect(page.get_by_test_id(f"rec-{quadrant}")).to_have_text(recommendation["recommendation"])
    screenshot(page, "accounts")

    target = next(a for a in accounts if a["quadrant"] == "low_status_large_centre")
    page.evaluate("document.getElementById('view').removeAttribute('data-ready')")
    page.locator(f"li[data-account='{target['account_id']}']").click()
    page.wait_for_selector("main[data-ready='accounts']")
    detail = page.get_by_test_id("account-detail")
    expect(detail).to_contain_text(target["name"])
    expect(page.get_by_test_id("detail-quadrant")).to_have_text("low status large centre")
    expect(page.get_by_test_id("detail-recommendation")).to_contain_text("Avoid intrusive social outreach")
    stakeholders = api.get(f"/v1/accounts/{target['account_id']}").json()["stakeholders"]
    expect(page.get_by_test_id("stakeholders").locator("tbody tr")).to_have_count(
        sum(len(v) for v in stakeholders.values()))
    screenshot(page, "account-detail")


def test_outcomes_show_the_reports_figures_and_charts(page: Page, demo_stack: DemoStack, api: httpx.Client) -> None:
    groups = api.get("/v1/reports/outcomes", params={"group_by": "rep"}).json()["groups"]
    won, lost = sum(g["won"] for g in groups), sum(g["lost"] for g in groups)
    opportunities = sum(g["opportunities"] for g in groups)
    influenced = sum(round((g["socially_influenced"] or 0) * g["opportunities"]) for g in groups)
    assert won + lost >= demo_stack.data.closed_opportunities
    sign_in(page, demo_stack)
    show(page, "outcomes", "outcomes")
    expect(page.get_by_test_id("kpi-win-rate-value")).to_have_text(f"{won / (won + lost) * 100:.1f}%")
    expect(page.get_by_test_id("kpi-won-amount-value")).to_have_text(f"{sum(g['won_amount'] for g in groups):,.0f}")
    expect(page.get_by_test_id("kpi-influenced-value")).to_have_text(f"{influenced / opportunities * 100:.1f}%")
    expect(page.get_by_test_id("kpi-cycle-value")).to_contain_text(" d")
    expect(page.locator("[data-testid=outcomes-table] tbody tr")).to_have_count(len(groups))
    expect(page.locator("[data-testid=won-amount-chart] g.bar")).to_have_count(len(groups))
    expect(page.locator("[data-testid=win-rate-chart] g.column-group")).to_have_count(len(groups))
    best = max(groups, key=lambda g: g["won_amount"])
    row = page.locator(f"[data-testid=outcomes-table] tr[data-group='{best['rep_id']}']")
    expect(row.locator(".won-amount")).to_have_text(f"{best['won_amount']:,.0f}")
    evidence = api.get("/v1/reports/evidence").json()
    cell = page.locator("[data-testid=evidence-table] td[data-measure='total'][data-outcome='win_rate']")
    rho = next(c["rho"] for c in evidence["correlations"] if c["measure"] == "total" and c["outcome"] == "win_rate")
    expect(cell).to_contain_text(f"{rho:.2f}")
    screenshot(page, "outcomes")

    teams = api.get("/v1/reports/outcomes", params={"group_by": "team"}).json()["groups"]
    page.evaluate("document.getElementById('view').removeAttribute('data-ready')")
    page.select_option("[data-testid=group-by]", "team")
    page.wait_for_selector("main[data-ready='outcomes']")
    expect(page.locator("[data-testid=outcomes-table] tbody tr")).to_have_count(len(teams))
    expect(page.locator("[data-testid=win-rate-chart] g.column-group")).to_have_count(len(teams))
    screenshot(page, "outcomes-by-team")


def test_content_is_ranked_as_the_api_ranks_it(page: Page, demo_stack: DemoStack, api: httpx.Client) -> None:
    listing = api.get("/v1/content", params={"limit": 500}).json()
    items = listing["items"]
    assert items and items[0]["owner"] == "company"  # stakeholder engagement beats reach
    sign_in(page, demo_stack)
    show(page, "content", "content")
    rows = page.locator("[data-testid=content-table] tbody tr")
    expect(rows).to_have_count(min(25, listing["total"]))
    for n in range(3):
        expect(rows.nth(n)).to_contain_text(items[n]["title"])
        expect(rows.nth(n).locator(".score")).to_have_text(js_num(items[n]["engagement"]["score"]))
    expect(page.locator("[data-testid=content-chart] g.bar")).to_have_count(min(12, listing["total"]))
    screenshot(page, "content")

    page.evaluate("document.getElementById('view').removeAttribute('data-ready')")
    rows.nth(0).click()
    page.wait_for_selector("main[data-ready='content']")
    detail = page.get_by_test_id("content-detail")
    expect(detail).to_contain_text(items[0]["title"])
    one = api.get(f"/v1/content/{items[0]['content_id']}").json()
    expect(detail.locator("table").first.locator("tbody tr")).to_have_count(len(one["engaged"]["stakeholders"]))
    screenshot(page, "content-detail")


def test_keys_of_other_roles_see_what_their_role_allows(page: Page, demo_stack: DemoStack, api: httpx.Client) -> None:
    rep = "rep-maria-santos"
    created = api.post("/v1/admin/api-keys", json={"role": "rep", "rep_id": rep, "name": "e2e rep key"})
    assert created.status_code == 201, created.text
    score = api.get(f"/v1/reps/{rep}/score", params={"date": today()}).json()
    sign_in(page, demo_stack, key=created.json()["key"])
    page.wait_for_selector("main[data-ready='reps']")  # a rep key opens on its own rep page
    expect(page.get_by_test_id("rep-total-value")).to_have_text(f"{score['total']:.2f}")
    expect(page.locator("#whoami")).to_contain_text("rep")
    screenshot(page, "rep-key")

    ingest = api.post("/v1/admin/api-keys", json={"role": "ingest", "name": "e2e ingest key"})
    assert ingest.status_code == 201, ingest.text
    page.click("#signout")
    sign_in(page, demo_stack, key=ingest.json()["key"])
    expect(page.get_by_test_id("view-error")).to_contain_text("403")  # signed in, but may not read scores
    expect(page.locator("#shell")).to_be_visible()
