"""The page cache in Chromium: a slot list served from the cache still books inline (htmx,
with the CSRF token of this session), and the reloaded page shows the booking."""
import pytest

from tests.browser.conftest import login
from tests.browser.test_meetings import detail, klas, status_of  # noqa: F401  (klas: fixture)
from tests.meetings_data import pretend


@pytest.fixture
def cached(app, redis_url):
    app.config["REDIS_URL"] = redis_url
    pretend(app)  # the round (March 2026) lies ahead
    return app


def goto_until_cached(page, url):
    for _ in range(3):
        response = page.goto(url)
        if response.headers.get("x-page-cache") == "hit":
            return
    raise AssertionError(f"{url} never came from the cache")


def test_booking_inline_on_a_slot_list_from_the_cache(page, cached, klas):
    login(page, klas["parent"])
    goto_until_cached(page, detail(klas))
    page.locator('.slot-planning li.slot[data-start="10:40"]').get_by_role(
        "button", name="Reserveren mogelijk").click()
    page.get_by_role("status").filter(has_text="Gereserveerd voor Sam").wait_for()
    assert status_of(page, "10:40") == "Gereserveerd – Annuleren"

    response = page.reload()
    assert response.headers.get("x-page-cache") != "hit"  # written since: rendered afresh
    assert status_of(page, "10:40") == "Gereserveerd – Annuleren"
    assert status_of(page, "10:30") == "Reserveren mogelijk"
