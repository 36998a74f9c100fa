"""Groepen in Chromium: own groups blue, the others black; a group page with the demo
school's families (photos, opened fields), axe-core and 360 px."""
import re

import pytest
from sqlalchemy import select

from app.demo import DemoContext, people, profiles
from app.extensions import db
from app.models import Group
from tests.browser.conftest import assert_accessible, assert_fits, login


@pytest.fixture
def demo(app):
    ctx = DemoContext()
    people.seed(ctx)
    db.session.commit()
    profiles.seed(ctx)
    db.session.commit()
    return ctx.created


def test_groups_blue_for_own_black_for_others(page, demo):
    login(page, "ouder@example.nl", "Demo!2026")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Groepen").click()
    page.wait_for_url("**/groepen/")
    buttons = page.locator(".group-buttons a")
    assert buttons.count() == db.session.query(Group).count() == 8
    colours = {}
    for index in range(buttons.count()):
        button = buttons.nth(index)
        label = button.inner_text().split("(")[0].strip()
        colours[label] = button.evaluate("el => getComputedStyle(el).backgroundColor")
    blue, black = "rgb(11, 92, 173)", "rgb(26, 26, 26)"
    assert colours.pop("Groep 3") == blue and colours.pop("Groep 6") == blue  # Sam and Lotte
    assert set(colours.values()) == {black}
    assert_accessible(page)

    page.get_by_role("link", name="Groep 3").click()
    assert page.get_by_role("heading", name="Groep 3", level=1).is_visible()
    assert page.get_by_text("Anna de Vries").is_visible()
    assert page.get_by_role("heading", name="Sam Jansen", exact=True).is_visible()
    # Photos on the page load through the access-checked route.
    images = page.locator("main img")
    assert images.count() >= 2
    for index in range(images.count()):
        assert images.nth(index).evaluate("img => { img.loading = 'eager'; return img.decode().then(() => img.naturalWidth > 0) }")
    assert_accessible(page)
    assert not page.js_errors


@pytest.mark.parametrize("who", ["ouder@example.nl", "juf.anna@schutkampen.example"])
def test_groups_pages_accessible_and_fit_360(mobile_page, demo, who):
    login(mobile_page, who, "Demo!2026")
    mobile_page.goto("/groepen/")
    assert_fits(mobile_page)
    assert_accessible(mobile_page)
    for name in ("3", "1/2a"):
        group = db.session.scalar(select(Group).where(Group.name == name))
        mobile_page.goto(f"/groepen/{group.id}")
        assert_fits(mobile_page)
        assert_accessible(mobile_page)
    assert not mobile_page.js_errors


def test_group_buttons_work_from_the_keyboard(page, demo):
    login(page, "ouder@example.nl", "Demo!2026")
    page.goto("/groepen/")
    page.locator(".group-buttons a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/groepen/\d+$"))
    assert page.get_by_role("heading", name="Groep 1/2a", level=1).is_visible()
