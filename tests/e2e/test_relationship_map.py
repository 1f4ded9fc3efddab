"""The team relationship map in the dashboard (docs/relationships.md): an account page shows the
map as the API answers it, and a rep page lists the introductions the rep could ask colleagues for."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoStack, js_num, screenshot, show, sign_in
from tests.integration.helpers import eventually


def maps(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every account's map once the network service has applied the demo data: the demo fixture waits
    for scoring, and the network worker consumes the same topics (content engagements, departures)
    at its own pace, so two reads a second apart must agree on who knows whom first."""

    def read() -> dict[str, dict[str, Any]]:
        accounts = api.get("/v1/accounts", params={"limit": 500}).json()["items"]
        return {a["account_id"]: api.get(f"/v1/accounts/{a['account_id']}/relationships").json() for a in accounts}

    def shape(found: dict[str, dict[str, Any]]) -> Any:
        return {aid: ([(st["stakeholder_id"], sorted(r["rep_id"] for r in st["reps"])) for st in m["stakeholders"]],
                      [st["stakeholder_id"] for st in m["departed"]]) for aid, m in found.items()}

    def settled() -> dict[str, dict[str, Any]] | None:
        first = read()
        time.sleep(1)
        second = read()
        return second if shape(first) == shape(second) else None

    return eventually(settled, timeout=60, interval=0.5, what="the relationship maps to settle")


def test_the_account_page_shows_the_map(page: Page, demo_stack: DemoStack, api: httpx.Client) -> None:
    found = maps(api)
    # an account with a known stakeholder, preferably with a departed contact and an uncovered stakeholder
    account, shown = max(((aid, m) for aid, m in sorted(found.items()) if m["coverage"]["known"]),
                         key=lambda item: (bool(item[1]["departed"]), bool(item[1]["uncovered"])))
    assert shown["departed"] and shown["uncovered"], "the demo data has no account to show the whole map"
    sign_in(page, demo_stack)
    show(page, f"accounts/{account}", "accounts")
    panel = page.get_by_test_id("relationship-map")
    expect(panel).to_contain_text(f"{shown['coverage']['known']} of {shown['coverage']['stakeholders']} stakeholders")
    rows = panel.locator("table.relmap tbody tr")
    expect(rows).to_have_count(len(shown["stakeholders"]))
    for st in shown["stakeholders"]:
        row = panel.locator(f"tr[data-stakeholder='{st['stakeholder_id']}']")
        cells = row.locator("td.rel-strength")
        assert cells.evaluate_all("els => els.map(e => e.textContent)") == [
            js_num(r["strength"]) for r in sorted(st["reps"], key=lambda r: r["rep_id"])]
        assert (row.get_attribute("class") == "uncovered") == (not st["reps"])
    badges = panel.get_by_test_id("roles-uncovered").locator(".uncovered-role")
    assert badges.all_inner_texts() == [r.replace("_", " ") for r in shown["roles_uncovered"]]
    departed = panel.get_by_test_id("departed").locator("li")
    expect(departed).to_have_count(len(shown["departed"]))
    screenshot(page, "account-relationship-map")


def test_the_rep_page_lists_introductions(page: Page, demo_stack: DemoStack, api: httpx.Client) -> None:
    found = maps(api)

    def introductions(rep: str) -> list[tuple[str, str]]:
        coverage = api.get(f"/v1/reps/{rep}/network").json()["coverage"][:10]
        return [(st["stakeholder_id"], st["reps"][0]["rep_id"]) for entry in coverage
                for st in (found.get(entry["account_id"]) or api.get(
                    f"/v1/accounts/{entry['account_id']}/relationships").json())["stakeholders"]
                if st["reps"] and rep not in {r["rep_id"] for r in st["reps"]}]

    reps = sorted(r["rep_id"] for r in api.get("/v1/admin/reps", params={"limit": 500}).json()["items"])
    rep, expected = next(((r, asks) for r in reps if (asks := introductions(r))), ("", []))
    assert expected, "the demo data has no introduction for any rep"
    sign_in(page, demo_stack)
    show(page, f"reps/{rep}", "reps")
    items = page.get_by_test_id("introductions").locator("li")
    expect(items).to_have_count(len(expected))
    assert items.evaluate_all("els => els.map(e => [e.dataset.stakeholder, e.dataset.via])") == [
        list(pair) for pair in expected]
    expect(items.first).to_contain_text("Ask ")
    screenshot(page, "rep-introductions")
