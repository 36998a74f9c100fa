"""Beheer › Afwezigheid in Chromium: a teacher opens Beheer and finds today's day list of their
group; the office refuses a leave request with a reason; the day list, the counts page and
the decision page pass axe-core and fit 360 px. Pretend clock: Wednesday 2 December 2026."""
import re
from datetime import date

from playwright.sync_api import expect

from app.extensions import db
from tests.absence_staff_data import MONDAY, TODAY, pretend
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import AdminFactory, GroupFactory, absence_reasons, absence_report, family, leave_request, teacher_of


def _school(app):
    pretend(app)
    group = GroupFactory(name="3", sort_order=3)
    other = GroupFactory(name="5", sort_order=5)
    reasons = absence_reasons()
    pupils = [family(group, first_name=f"Leerling{index}", last_name="Achternaamlang")[0] for index in range(6)]
    sam, (parent,) = family(group, first_name="Sam", last_name="de Vries")
    lotte, _ = family(other, first_name="Lotte", last_name="Zwaantje")
    absence_report(sam, reasons["Ziek"], note="Koorts, blijft vandaag thuis.", late=True, by=parent)
    absence_report(pupils[0], reasons["Bezoek huisarts of tandarts"], part="middag", end=TODAY)
    absence_report(lotte, reasons["Ziek"], start=MONDAY)
    absence_report(pupils[1], reasons["Ongeoorloofd afwezig"], start=date(2026, 11, 16), end=date(2026, 11, 20))
    db.session.commit()
    return {"group": group, "teacher": teacher_of(group), "admin": AdminFactory(), "sam": sam, "parent": parent,
            "lotte": lotte, "pupils": pupils}


def test_a_teacher_sees_todays_day_list_from_beheer(app, page, mobile_page):
    school = _school(app)
    login(page, school["teacher"])
    page.goto("/beheer/")
    expect(page.get_by_text("5 van 7 leerlingen aanwezig")).to_be_visible()
    page.get_by_role("link", name="Daglijst afwezigheid").click()
    expect(page.get_by_role("heading", name="Afwezigheid vandaag, woensdag 2 december 2026")).to_be_visible()
    group = page.get_by_role("region", name="Groep 3")
    expect(group.get_by_text("Sam de Vries", exact=True)).to_be_visible()
    expect(group.get_by_text("– Ziek")).to_be_visible()
    expect(group.get_by_text("Toelichting: Koorts, blijft vandaag thuis.")).to_be_visible()
    expect(group.get_by_text("na aanvang")).to_be_visible()
    expect(group.get_by_text("5 van 7 aanwezig")).to_be_visible()
    expect(page.get_by_text("Lotte")).to_have_count(0)  # another group's pupil
    expect(group.get_by_role("link", name=re.compile("Afwezig melden.*Leerling2 Achternaamlang"))).to_be_visible()
    assert_accessible(page)
    assert not page.js_errors

    login(mobile_page, school["teacher"])
    mobile_page.goto("/beheer/afwezigheid")
    expect(mobile_page.get_by_text("Koorts, blijft vandaag thuis.")).to_be_visible()
    assert_fits(mobile_page)
    assert_accessible(mobile_page)


def test_the_office_refuses_a_leave_request(app, page, mobile_page):
    school = _school(app)
    leave_request([school["sam"]], kind="vakantie", first=date(2027, 1, 18), last=date(2027, 1, 22),
                  by=school["parent"], reason="Familiebezoek in het buitenland.",
                  checks=[{"code": "notice", "text": "Vakantieverlof vraagt u ten minste 8 weken van tevoren aan."}])
    login(page, school["admin"])
    page.goto("/beheer/afwezigheid/verlof")
    expect(page.get_by_role("heading", name="Nog te beslissen (1)")).to_be_visible()
    page.get_by_role("link", name="Beslissen").click()
    expect(page.get_by_text("Vakantieverlof vraagt u ten minste 8 weken van tevoren aan.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Besluit opslaan").click()  # no choice, no reason: told in Dutch
    expect(page.get_by_text("Kies een besluit.")).to_be_visible()
    expect(page.get_by_text("Schrijf de reden van het besluit op").first).to_be_visible()
    page.get_by_label("Weigeren").check()
    page.get_by_label("Reden van het besluit").fill("Te laat aangevraagd en geen werkgeversverklaring.")
    page.get_by_role("button", name="Besluit opslaan").click()
    expect(page.get_by_text("Het verlof voor Sam is geweigerd.")).to_be_visible()
    expect(page.locator(".facts").get_by_text("Geweigerd", exact=True)).to_be_visible()
    expect(page.get_by_text("Te laat aangevraagd en geen werkgeversverklaring.")).to_be_visible()
    expect(page.get_by_role("button", name="Besluit opslaan")).to_have_count(0)
    assert_accessible(page)
    assert not page.js_errors

    login(mobile_page, school["admin"])
    mobile_page.goto("/beheer/afwezigheid/verlof")
    expect(mobile_page.get_by_text("Besloten dit schooljaar (1)")).to_be_visible()
    assert_fits(mobile_page)
    mobile_page.get_by_role("link", name="Vakantieverlof: Sam de Vries", exact=True).click()
    assert_fits(mobile_page)
    assert_accessible(mobile_page)


def test_the_office_pages_are_accessible_and_narrow(app, page, mobile_page):
    school = _school(app)
    leave_request([school["pupils"][2]], first=date(2027, 1, 11), by=school["parent"])
    login(page, school["admin"])
    page.goto("/beheer/afwezigheid")
    expect(page.get_by_role("region", name="Groep 5")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Per leerling", exact=True).click()
    expect(page.get_by_role("table")).to_be_visible()
    assert_accessible(page)
    login(mobile_page, school["admin"])
    for path in ("/beheer/afwezigheid", "/beheer/afwezigheid/leerlingen", "/beheer/afwezigheid/verlof/1",
                 "/beheer/afwezigheid/export", "/beheer/afwezigheid/instellingen"):
        mobile_page.goto(path)
        expect(mobile_page.locator("h1")).to_be_visible()
        assert_fits(mobile_page)
        assert_accessible(mobile_page)
