"""The office's group edit page and the meetings planning at 360 px (issue 17): long names
wrap, a wide table scrolls inside its own labelled, focusable region instead of widening the
page; axe-core clean."""
import pytest

from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import AdminFactory, ChildFactory, GroupFactory, family, teacher_of
from tests.meetings_data import book_directly, make_round, pretend

LONG_FIRST = "Maximiliaan-Alexander"
LONG_LAST = "van Oldenbarnevelt-Wijnhoven"


def _wide_page_elements(page):
    """Elements sticking out past the viewport's right edge (for a readable failure)."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                      && !el.closest('.table-wrap'))
        .slice(0, 5).map(el => el.tagName + '.' + el.className)""")


def test_group_edit_page_fits_on_a_phone(mobile_page):
    page = mobile_page
    group = GroupFactory(name="5b", level=5, school_year="2026-2027")
    for index in range(3):
        teacher_of(group, first_name=f"{LONG_FIRST}{index}", last_name=LONG_LAST)
    for index in range(6):
        ChildFactory(first_name=f"{LONG_FIRST}{index}", last_name=LONG_LAST, group=group)
    login(page, AdminFactory())
    page.goto(f"/beheer/school/groepen/{group.id}")
    assert page.get_by_role("heading", name="5b").is_visible()
    assert not _wide_page_elements(page)
    assert_fits(page)
    assert_accessible(page)


@pytest.fixture
def planning_url(app):
    pretend(app)
    group = GroupFactory(name="3")
    child, (parent,) = family(group, first_name=LONG_FIRST, last_name=LONG_LAST)
    other, _ = family(group, first_name="Noor")
    round_ = make_round(group, invite=[child, other], title="Voortgangsgesprekken maart met ouders")
    book_directly(parent, round_, child, "10:00")
    return f"/beheer/oudergesprekken/{round_.id}/planning"


def test_planning_table_scrolls_in_its_own_region_on_a_phone(mobile_page, planning_url):
    page = mobile_page
    login(page, AdminFactory())
    page.goto(planning_url)
    assert not _wide_page_elements(page)
    assert_fits(page)
    region = page.get_by_role("region", name="Tijdsloten op dinsdag 10 maart 2026")
    assert region.get_attribute("tabindex") == "0"  # a keyboard user can scroll it
    region.focus()
    assert region.evaluate("el => el === document.activeElement")
    cancel = region.get_by_role("button", name=f"Annuleren {LONG_FIRST} {LONG_LAST}")
    cancel.scroll_into_view_if_needed()
    assert cancel.is_visible()
    assert_accessible(page)
