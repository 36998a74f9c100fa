"""Afwezigheid in Chromium, the parents' side: reporting two children ill at once (the
checkboxes, "tot nader bericht"), the confirmation and both reports on the overview, the
keyboard alone, "weer beter" from Home; axe-core and 360 px for the overview, the report
form and the leave form."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AbsenceReport
from tests.absence_family import make_family, pretend
from tests.browser.conftest import assert_accessible, assert_fits, login


@pytest.fixture
def school(app):
    pretend(app, "2026-12-02 08:30")
    return make_family()


def stored():
    db.session.expire_all()
    rows = sorted((r.child.first_name, r.reason.name, r.end_date, r.late)
                  for r in db.session.scalars(select(AbsenceReport)))
    db.session.commit()
    return rows


def test_a_parent_reports_two_children_ill_at_once(page, school):
    login(page, school["mother"])
    page.get_by_role("link", name="Afwezigheid", exact=True).click()
    page.wait_for_url("**/afwezigheid")
    assert_accessible(page)
    page.get_by_role("link", name="Ziek of afwezig melden").click()
    page.wait_for_url("**/afwezigheid/melden")
    assert_accessible(page)
    children = page.get_by_role("group", name="Voor wie meldt u?")
    children.get_by_label("Sam Jansen").check()
    children.get_by_label("Lotte Jansen").check()
    page.get_by_role("group", name="Reden").get_by_label("Ziek", exact=True).check()
    assert page.get_by_label("Vanaf", exact=True).input_value() == "2026-12-02"
    assert page.get_by_role("group", name="Welk deel van de eerste dag?").get_by_label("Hele dag").is_checked()
    page.get_by_label("Tot nader bericht").check()
    page.get_by_role("button", name="Melden").click()
    page.wait_for_url("**/afwezigheid")

    message = page.locator(".flashes")
    assert "De afwezigheid van Lotte en Sam is gemeld: Ziek, vanaf woensdag 2 december 2026, tot nader bericht." \
        in message.inner_text()
    assert "na aanvang van de schooldag" in message.inner_text()  # 08:30, after the cut-off
    for name in ("Sam Jansen", "Lotte Jansen"):
        block = page.locator("section.card").filter(has=page.get_by_role("heading", name=name))
        assert "Ziek – sinds woensdag 2 december 2026, tot nader bericht" in block.inner_text()
        assert block.get_by_role("button", name="Weer beter melden").is_visible()
    assert stored() == [("Lotte", "Ziek", None, True), ("Sam", "Ziek", None, True)]
    assert_accessible(page)
    assert not page.js_errors


def test_the_keyboard_alone_reports_and_home_offers_weer_beter(page, school):
    login(page, school["mother"])
    page.goto("/afwezigheid/melden")
    page.get_by_label("Sam Jansen").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # Sam is the last child: into the reasons, the first is Ziek
    page.keyboard.press("Space")
    assert page.get_by_label("Ziek", exact=True).is_checked()
    page.get_by_label("Tot nader bericht").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Melden").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/afwezigheid")
    assert stored() == [("Sam", "Ziek", None, True)]

    page.goto("/")
    panel = page.locator("section.home-absence")
    assert "Sam Jansen is ziek gemeld sinds woensdag 2 december 2026, tot nader bericht." in panel.inner_text()
    assert_accessible(page)
    panel.get_by_role("button", name="Weer beter melden").click()
    page.wait_for_url("**/afwezigheid")
    assert "Sam is weer beter gemeld" in page.locator(".flashes").inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(AbsenceReport.end_date)).isoformat() == "2026-12-02"
    db.session.commit()


def test_a_refused_report_says_why_in_dutch(page, school):
    login(page, school["mother"])
    page.goto("/afwezigheid/melden")
    page.get_by_label("Sam Jansen").check()
    page.get_by_label("Overig").check()
    page.get_by_role("button", name="Melden").click()
    summary = page.locator(".error-summary")
    assert "Schrijf bij ‘Overig’ in de toelichting waarom uw kind afwezig is." in summary.inner_text()
    note = page.get_by_label("Toelichting")
    assert note.get_attribute("aria-invalid") == "true"
    assert "note-error" in note.get_attribute("aria-describedby")
    assert_accessible(page)
    assert stored() == []


def test_the_leave_form_is_accessible(page, school):
    login(page, school["mother"])
    page.goto("/afwezigheid/verlof/aanvragen")
    assert page.get_by_role("group", name="Soort verlof").get_by_label("Vakantieverlof").is_visible()
    assert_accessible(page)
    # A request that does not meet the 8 weeks: the explanation and the box to submit anyway.
    page.get_by_label("Gewichtige omstandigheden").check()
    page.get_by_label("Sam Jansen").check()
    page.get_by_label("Eerste dag").fill("2026-12-10")
    page.get_by_label("Laatste dag").fill("2026-12-10")
    page.get_by_label("Reden van de aanvraag").fill("Bruiloft van mijn zus in Groningen.")
    page.get_by_role("button", name="Aanvraag indienen").click()
    page.wait_for_url(re.compile(r".*/afwezigheid/verlof/\d+$"))
    assert "De directeur beslist over uw aanvraag." in page.locator("main").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/afwezigheid", "/afwezigheid/melden", "/afwezigheid/verlof/aanvragen"])
def test_the_pages_fit_a_small_phone(mobile_page, school, path):
    from tests.factories import absence_report, leave_request

    absence_report(school["lotte"], end=None, note="Koorts en hoofdpijn; ze blijft in bed tot de koorts weg is.")
    leave_request([school["sam"], school["lotte"]])
    login(mobile_page, school["mother"])
    mobile_page.goto(path)
    assert_fits(mobile_page)
    assert_accessible(mobile_page)
