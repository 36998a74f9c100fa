"""Beheer › Toestemming in Chromium: the overview per group and the purposes page pass
axe-core, fit 360 px, and the overview prints without the menu on A4 landscape."""
from playwright.sync_api import expect
from sqlalchemy import insert

from app import clock
from app.extensions import db
from app.models import ALBUMS_PURPOSE, ConsentPurpose, ConsentPurposeVersion, consent_purpose_years
from app.privacy.consent import save_answer
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import AdminFactory, GroupFactory, family, teacher_of

# A4 landscape, 1 cm margins, at 96 px per inch: (297 - 20) mm.
A4_LANDSCAPE_PX = int((297 - 20) / 25.4 * 96)
NAMES = ["Foto's in de besloten fotoalbums van het ouderportaal", "Website van de school", "Nieuwsbrief",
         "Sociale media", "Schoolgids"]


def _school():
    group = GroupFactory(name="3", sort_order=3)
    purposes = []
    for position, name in enumerate(NAMES):
        purpose = ConsentPurpose(code=ALBUMS_PURPOSE if position == 0 else None, position=position)
        purpose.versions.append(ConsentPurposeVersion(number=1, name=name, explanation="Uitleg voor ouders."))
        db.session.add(purpose)
        db.session.flush()
        db.session.execute(insert(consent_purpose_years).values(purpose_id=purpose.id, school_year=clock.school_year()))
        purposes.append(purpose)
    db.session.commit()
    for index in range(8):
        child, parents = family(group, parents=2, first_name=f"Leerling{index}", last_name="Achternaamlang")
        for number, parent in enumerate(parents):
            for purpose in purposes[: index % 5 + 1]:
                save_answer(parent, child, purpose, not (number == 1 and index % 3 == 0))
    return group


def test_the_overview_is_accessible_narrow_and_prints_on_a4(page, mobile_page):
    group = _school()
    teacher = teacher_of(group)
    login(page, teacher)
    page.goto("/beheer/toestemming")
    expect(page.get_by_role("table", name="Toestemming per leerling, Groep 3")).to_be_visible()
    expect(page.get_by_role("link", name="Download als CSV")).to_be_visible()
    assert_accessible(page)
    assert not page.js_errors

    login(mobile_page, teacher)
    mobile_page.goto("/beheer/toestemming")
    expect(mobile_page.get_by_role("row", name="Leerling0 Achternaamlang")).to_be_attached()
    assert_fits(mobile_page)
    assert_accessible(mobile_page)

    # Printed: no menu or buttons, and the table fits the width of A4 landscape.
    page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 700})
    page.emulate_media(media="print")
    expect(page.locator("#hoofdmenu")).to_be_hidden()
    expect(page.get_by_role("link", name="Download als CSV")).to_be_hidden()
    width = page.evaluate("document.querySelector('.consent-table').scrollWidth")
    assert width <= A4_LANDSCAPE_PX, f"the table is {width}px wide on A4 landscape"


def test_the_purposes_page_is_accessible_and_narrow(mobile_page):
    _school()
    login(mobile_page, AdminFactory())
    mobile_page.goto("/beheer/toestemming/doelen")
    expect(mobile_page.get_by_text("Fotoalbums: het portaal handhaaft dit doel")).to_be_visible()
    assert_fits(mobile_page)
    assert_accessible(mobile_page)
    mobile_page.get_by_role("link", name="Website van de school").first.click()
    expect(mobile_page.get_by_text("De ouders worden dan opnieuw om toestemming gevraagd")).to_be_visible()
    assert_fits(mobile_page)
    assert_accessible(mobile_page)
