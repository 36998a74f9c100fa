"""Playwright + Debian's Chromium, and the axe-core check (axe-core vendored from npm)."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.fixtures.services import require_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text(encoding="utf-8")
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 360, "height": 740}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        require_service(f"Chromium not found at {CHROMIUM} (make test installs it)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()


def _page(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="nl-NL",
                                  accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(browser, live_server):
    """A page at 1280 px wide."""
    context, page = _page(browser, live_server, WIDE)
    yield page
    context.close()


@pytest.fixture
def mobile_page(browser, live_server):
    """A page at 360 px wide (a small phone)."""
    context, page = _page(browser, live_server, NARROW)
    yield page
    context.close()


def login(page, user_or_name, password=None):
    """Log in through the form, as a person would."""
    from tests.factories import PASSWORD

    name = getattr(user_or_name, "login_name", user_or_name)
    page.goto("/login")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord", exact=True).fill(password or PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/login" not in url)


def htmx_settled(page):
    """Wait until htmx has swapped and settled (new content gets its handlers on settle): a
    click that comes sooner, on a busy machine, would submit the form without htmx."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")



def open_inline_action(page, school, name):
    """Log in as the school's parent and open the page of one inline action
    (tests/inline_actions.py), marking the window to tell a reload from an htmx swap."""
    from tests.inline_actions import actions

    action = actions(school)[name]
    login(page, school["parent"])
    page.goto(action.page)
    htmx_settled(page)
    page.evaluate("window.notReloaded = true")
    return action

def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page; return the violations of these impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def assert_accessible(page):
    violations = axe_violations(page)
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} → " + ", ".join(n["target"][0] for n in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{report}"


def assert_fits(page):
    """No horizontal scrolling: the page fits its viewport (360 px).

    Measured once the page has settled: right after a click the URL may already be the new
    page's while htmx is still swapping it in (a busy machine showed a transient overflow).
    A page that really overflows keeps overflowing and fails after the wait."""
    measure = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    try:
        # A function, not an expression: the portal's CSP forbids eval of a string.
        page.wait_for_function(f"() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping') "
                               f"&& document.readyState === 'complete' && ({measure}) <= 1", timeout=3000)
    except PlaywrightTimeoutError:
        pass
    overflow = page.evaluate(measure)
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"
