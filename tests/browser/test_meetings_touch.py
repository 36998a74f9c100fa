"""The slot list on a touch screen (issue 17): no hover there, so the first tap on a slot of
a double meeting shows what would be booked (both slots lit, the button names the times,
the live region says to tap again), the second tap books; the keyboard and a mouse book at
once. A read-only parent's page at 360 px. axe-core throughout."""
import pytest

from tests.browser.conftest import NARROW, assert_accessible, assert_fits, htmx_settled, login
from tests.factories import GroupFactory, family
from tests.meetings_data import make_round, pretend
from tests.test_meetings import booked_times


@pytest.fixture
def klas(app):
    pretend(app)
    group = GroupFactory(name="3")
    sam, (parent, read_only) = family(group, parents=2, read_only_second=True, first_name="Sam")
    round_ = make_round(group, double=[sam], breaks="11:10-11:20")
    return {"sam": sam, "parent": parent, "read_only": read_only, "round": round_}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=NARROW, has_touch=True, is_mobile=True,
                                  locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    yield page
    context.close()


def detail(klas):
    return f"/oudergesprekken/{klas['round'].id}/kind/{klas['sam'].id}"


def row(page, clock):
    return page.locator(f'.slot-planning li.slot[data-start="{clock}"]')


def lit(page):
    return page.eval_on_selector_all(".slot.is-highlighted", "rows => rows.map(r => r.dataset.start)")


def test_first_tap_previews_the_double_slot_second_tap_books(phone, klas):
    page = phone
    login(page, klas["parent"])
    page.goto(detail(klas))
    htmx_settled(page)
    row(page, "11:00").get_by_text("Te kort voor een dubbel gesprek").wait_for()  # the break follows
    row(page, "10:30").get_by_role("button", name="Reserveren mogelijk").tap()
    button = row(page, "10:30").get_by_role("button", name="Reserveer 10:30–10:50")
    button.wait_for()
    assert lit(page) == ["10:30", "10:40"]
    page.locator("#portal-announcer").filter(has_text="Tik nog een keer om 10:30–10:50 te reserveren.").wait_for()
    page.wait_for_timeout(300)
    assert booked_times(klas["round"], klas["sam"]) == []  # nothing booked yet
    assert_fits(page)
    assert_accessible(page)
    # Another slot instead: the preview moves.
    row(page, "10:00").get_by_role("button", name="Reserveren mogelijk").tap()
    row(page, "10:00").get_by_role("button", name="Reserveer 10:00–10:20").wait_for()
    assert row(page, "10:30").get_by_role("button", name="Reserveren mogelijk").is_visible()
    assert lit(page) == ["10:00", "10:10"]
    row(page, "10:00").get_by_role("button", name="Reserveer 10:00–10:20").tap()
    page.locator("#portal-announcer").filter(has_text="Gereserveerd voor Sam").wait_for()
    assert booked_times(klas["round"], klas["sam"]) == ["10:00", "10:10"]
    assert not page.js_errors


def test_a_mouse_click_books_at_once(page, klas):
    login(page, klas["parent"])
    page.goto(detail(klas))
    htmx_settled(page)
    row(page, "10:30").get_by_role("button", name="Reserveren mogelijk").click()
    page.locator("#portal-announcer").filter(has_text="Gereserveerd voor Sam").wait_for()
    assert booked_times(klas["round"], klas["sam"]) == ["10:30", "10:40"]


def test_a_read_only_parent_on_a_phone(phone, klas):
    page = phone
    login(page, klas["read_only"])
    page.goto(detail(klas))
    assert page.get_by_role("heading", name="De planning").is_visible()
    assert not page.get_by_text("Kies een tijd").count()
    assert not page.get_by_role("button", name="Reserveren mogelijk").count()
    assert_fits(page)
    assert_accessible(page)
