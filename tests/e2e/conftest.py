"""Browser tests of the dashboard: Debian's Chromium driven by Playwright against the session's
stack (tests/conftest.py: real Kafka, PostgreSQL, every process) with the demo data set loaded.

Playwright's own browser download does not work here, so the browser is `/usr/bin/chromium`
(`make setup` installs it through deploy/local/chromium.sh). A missing browser or Playwright
FAILS the tests, it never skips them. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from stack import demo
from stack.processes import Stack
from tests.conftest import ARTIFACTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ARTIFACTS / "screenshots"


@dataclass(frozen=True)
class DemoStack:
    url: str
    token: str
    data: demo.DemoSet


@pytest.fixture(scope="package")
def demo_stack(stack: Stack, request: pytest.FixtureRequest) -> DemoStack:
    """The session's stack with the demo data set loaded into tenant demo and applied. The browser
    starts while the services apply the data (the wait ends with seconds of a steady leaderboard),
    not after."""
    token = stack.env["RAPPORT_BOOTSTRAP_TOKEN"]
    try:
        result = demo.load(stack.gateway_url, token, progress=lambda _line: None)
        request.getfixturevalue("browser")
        demo.wait_applied(stack.gateway_url, token, result.demo, timeout=300)
    except (RuntimeError, httpx.HTTPError) as exc:
        pytest.fail(f"the demo data could not be loaded: {exc}")
    return DemoStack(stack.gateway_url, token, result.demo)


@pytest.fixture
def api(demo_stack: DemoStack) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {demo_stack.token}"}
    with httpx.Client(base_url=demo_stack.url, headers=headers, timeout=60) as client:
        yield client


@pytest.fixture(scope="package")  # Playwright's sync API holds an event loop: end it with the e2e tests
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make setup` (deploy/local/chromium.sh installs "
                    "Debian's chromium) or set RAPPORT_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright is not installed ({exc}): pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, demo_stack: DemoStack) -> Iterator[Page]:
    """A fresh browser context per test (its own sessionStorage); fails on any uncaught script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def sign_in(page: Page, stack: DemoStack, key: str | None = None) -> None:
    page.goto(f"{stack.url}/")
    page.fill("#api-key", key or stack.token)
    page.click("#signin-button")
    page.wait_for_selector("main[data-ready]")


def show(page: Page, route: str, view: str) -> None:
    """Go to `#/<route>` and wait until view `view` has rendered."""
    page.evaluate("document.getElementById('view').removeAttribute('data-ready')")
    page.evaluate("route => { window.location.hash = route; }", f"#/{route}")
    page.wait_for_selector(f"main[data-ready='{view}']")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-page in a full-page shot
    page.screenshot(path=str(path), full_page=True)
    return path


def js_num(value: Any, digits: int = 2) -> str:
    """fmt.num of dom.js: integers as they are, else `digits` decimals without trailing zeros."""
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return f"{number:.{digits}f}".rstrip("0").rstrip(".")
