"""Beheer › Bewaartermijn in Chromium at 360 px: the month ahead, holding a pupil back with
a reason (first forgotten, then given), axe-core."""
from datetime import timedelta

from playwright.sync_api import expect

from app import clock
from app.admin.retention import add_years
from app.extensions import db
from app.models import RetentionHold
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import AdminFactory, ChildFactory, GuardianshipFactory, ParentFactory


def test_office_holds_a_pupil_back_with_a_reason(mobile_page):
    page = mobile_page
    today = clock.today()
    pupil = ChildFactory(first_name="Wendelijn", last_name="Bewaartest", group=None,
                         left_at=add_years(today, -2) + timedelta(days=10))
    GuardianshipFactory(parent=ParentFactory(first_name="Opa", last_name="Bewaartest"), child=pupil)
    login(page, AdminFactory())
    page.goto("/beheer/school/bewaartermijn")
    month = page.locator("section", has=page.get_by_role("heading", name="Wordt binnen een maand gewist"))
    expect(month.get_by_role("rowheader", name="Wendelijn Bewaartest")).to_be_visible()
    expect(month.get_by_text("Opa Bewaartest: account wordt ook gewist")).to_be_visible()
    assert_fits(page)
    assert_accessible(page)

    month.locator("summary", has_text="Bewaren").click()
    page.get_by_role("button", name="Gegevens bewaren van Wendelijn Bewaartest").click()
    expect(page.get_by_text("Vul een reden in waarom de school de gegevens bewaart.")).to_be_visible()
    expect(page.get_by_label("Reden om te bewaren")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Reden om te bewaren").fill("Dossier voor de leerplichtambtenaar")
    page.get_by_role("button", name="Gegevens bewaren van Wendelijn Bewaartest").click()

    expect(page.get_by_text("worden bewaard, ook na de bewaartermijn")).to_be_visible()
    held = page.locator("#bewaard")
    expect(held.get_by_text("Dossier voor de leerplichtambtenaar")).to_be_visible()
    assert_fits(page)
    assert_accessible(page)
    assert db.session.get(RetentionHold, pupil.id).reason == "Dossier voor de leerplichtambtenaar"
