"""Mijn account › Notificaties for staff in Chromium: a teacher sees their own switches
(direct per melding on, the morning summary off), switches the summary on inline (htmx,
no reload), and the page passes axe-core and fits 360 px; a parent's page with the
"Ziekmeldingen en verlof" switch and its explanation too."""
from sqlalchemy import select

from app.extensions import db
from app.models import NotificationPreference
from app.notifications.services import preferences_for
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import GroupFactory, family, teacher_of


def test_a_teacher_chooses_the_morning_summary_inline(page, app):
    teacher = teacher_of(GroupFactory(name="3"), first_name="Anna", last_name="de Vries")
    login(page, teacher)
    page.goto("/account/notificaties")
    direct = page.get_by_role("switch", name="Ziekmeldingen van mijn groep(en) direct per melding")
    summary = page.get_by_role("switch", name="Ochtendoverzicht om 08:15 in plaats daarvan")
    assert direct.is_checked() and not summary.is_checked()
    assert page.get_by_role("switch").count() == 3  # and Gesprekken
    assert "in één e-mail" in summary.evaluate(
        "el => document.getElementById(el.getAttribute('aria-describedby')).textContent")
    page.evaluate("window.notReloaded = true")
    summary.click()
    page.get_by_text("Opgeslagen.").wait_for()
    assert page.evaluate("window.notReloaded === true")
    db.session.expire_all()
    assert preferences_for(teacher) == {"absence_now": True, "absence_summary": True, "conversations_staff": True}
    # Both off: the warning says where the reports are still seen.
    page.get_by_role("switch", name="Ziekmeldingen van mijn groep(en) direct per melding").click()
    page.locator("#notificaties-waarschuwing").wait_for()
    assert "Beheer › Afwezigheid" in page.locator("#notificaties-waarschuwing").inner_text()
    db.session.expire_all()
    stored = {p.kind: p.enabled for p in db.session.scalars(select(NotificationPreference))}
    assert stored == {"absence_now": False, "absence_summary": True}
    assert_accessible(page)
    assert not page.js_errors


def test_notificaties_for_a_teacher_and_a_parent_fit_360(mobile_page, app):
    group = GroupFactory(name="3")
    teacher = teacher_of(group)
    _, (parent,) = family(group, first_name="Sam")
    for user in (teacher, parent):
        login(mobile_page, user)
        mobile_page.goto("/account/notificaties")
        if user is parent:
            assert mobile_page.get_by_role("switch", name="Ziekmeldingen en verlof").is_checked()
        assert_fits(mobile_page)
        assert_accessible(mobile_page)
        assert not mobile_page.js_errors
        mobile_page.context.clear_cookies()
