"""Toestemming in Chromium: the ja/nee switch of the child's tab saves inline (htmx), keeps
the focus on the choice, updates the history and survives a reload; the Home prompt and its
"Later"; axe-core and 360 px for the tab, the overview and Home with the prompt."""
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ConsentAnswer
from tests.browser.conftest import assert_accessible, assert_fits, htmx_settled, login
from tests.factories import GroupFactory, consent_purpose, family


@pytest.fixture
def home(app):
    group = GroupFactory(name="3")
    sam, (mother, father) = family(group, parents=2, first_name="Sam", last_name="Jansen")
    mother.first_name, father.first_name = "Marloes", "Peter"
    db.session.commit()
    albums = consent_purpose("Besloten fotoalbums in het ouderportaal",
                             "Foto's van activiteiten, alleen te zien voor ouders van de school.", code="albums",
                             position=1)
    website = consent_purpose("Website van de school", "Foto's op de openbare website van de school.", position=2)
    return {"sam": sam, "mother": mother, "father": father, "albums": albums, "website": website}


def answers():
    db.session.expire_all()
    rows = [(a.version.purpose_id, a.given) for a in db.session.scalars(select(ConsentAnswer).order_by(ConsentAnswer.id))]
    db.session.commit()
    return rows


def wait_for_answers(count):
    for _ in range(50):
        if len(answers()) >= count:
            return
        time.sleep(0.1)


def test_consent_switch_inline_focus_and_after_reload(page, home):
    sam, albums, website = home["sam"], home["albums"], home["website"]
    login(page, home["mother"])
    page.goto(f"/kinderen/{sam.id}")
    page.get_by_role("link", name="Toestemming", exact=True).click()
    page.wait_for_url(f"**/kinderen/{sam.id}/toestemming")
    assert page.get_by_role("heading", name="Besloten fotoalbums in het ouderportaal").is_visible()
    block = page.locator(f"#doel-{albums.id}")
    assert block.get_by_text("Telt als: nee").is_visible()
    page.evaluate("window.notReloaded = true")

    block.get_by_role("group", name="Uw antwoord voor Sam").get_by_text("Ja", exact=True).click()
    page.locator(f"#status-doel-{albums.id}").filter(has_text="Opgeslagen: ja.").wait_for()
    htmx_settled(page)
    assert page.evaluate("document.activeElement.id") == f"doel-{albums.id}-ja"
    assert page.locator(f"#doel-{albums.id}").get_by_text("Telt als: ja").is_visible()
    assert page.locator("#toestemming-geschiedenis tbody tr").count() == 1
    assert page.evaluate("window.notReloaded === true")
    wait_for_answers(1)
    assert answers() == [(albums.id, True)]

    # The keyboard: arrow to "Nee" changes the answer, the focus stays on it.
    page.keyboard.press("ArrowRight")
    page.locator(f"#status-doel-{albums.id}").filter(has_text="Opgeslagen: nee.").wait_for()
    htmx_settled(page)
    assert page.evaluate("document.activeElement.id") == f"doel-{albums.id}-nee"
    assert page.locator("#toestemming-geschiedenis tbody tr").count() == 2
    wait_for_answers(2)
    assert answers() == [(albums.id, True), (albums.id, False)]

    page.reload()
    assert page.locator(f"#doel-{albums.id}-nee").is_checked()
    assert not page.locator(f"#doel-{website.id}-ja").is_checked()
    assert not page.locator(f"#doel-{website.id}-nee").is_checked()
    assert page.locator(f"#doel-{albums.id}").get_by_text("Telt als: nee").is_visible()
    assert_accessible(page)
    assert not page.js_errors


def test_home_prompt_link_and_later(page, home):
    sam = home["sam"]
    login(page, home["mother"])
    page.goto("/")
    prompt = page.locator("section.home-consent")
    assert prompt.get_by_role("heading", name="De school vraagt uw toestemming").is_visible()
    assert_accessible(page)
    prompt.get_by_role("link", name="Toestemming voor Sam Jansen").click()
    page.wait_for_url(f"**/kinderen/{sam.id}/toestemming")
    page.goto("/")
    page.locator("section.home-consent").get_by_role("button", name="Later").click()
    page.get_by_text("U krijgt de vraag om toestemming weer bij een volgende keer inloggen.").wait_for()
    assert page.locator("section.home-consent").count() == 0
    page.reload()
    assert page.locator("section.home-consent").count() == 0
    assert not page.js_errors


def test_home_prompt_goes_once_everything_is_answered(page, home):
    sam, albums, website = home["sam"], home["albums"], home["website"]
    login(page, home["mother"])
    page.goto(f"/kinderen/{sam.id}/toestemming")
    page.locator(f"#doel-{albums.id}").get_by_text("Ja", exact=True).click()
    page.locator(f"#status-doel-{albums.id}").filter(has_text="Opgeslagen").wait_for()
    htmx_settled(page)
    page.goto("/")
    assert page.locator("section.home-consent").count() == 1  # the website is still open
    page.goto(f"/kinderen/{sam.id}/toestemming")
    page.locator(f"#doel-{website.id}").get_by_text("Nee", exact=True).click()
    page.locator(f"#status-doel-{website.id}").filter(has_text="Opgeslagen").wait_for()
    htmx_settled(page)
    page.goto("/")
    assert page.locator("section.home-consent").count() == 0


def test_consent_pages_fit_360_and_are_accessible(mobile_page, home):
    page, sam, albums = mobile_page, home["sam"], home["albums"]
    login(page, home["mother"])
    for path in ("/", f"/kinderen/{sam.id}/toestemming", "/kinderen/toestemming"):
        page.goto(path)
        assert_fits(page)
        assert_accessible(page)
    # The switch is usable on a phone: a tap saves it.
    page.goto(f"/kinderen/{sam.id}/toestemming")
    page.locator(f"#doel-{albums.id}").get_by_text("Ja", exact=True).click()
    page.locator(f"#status-doel-{albums.id}").filter(has_text="Opgeslagen: ja.").wait_for()
    htmx_settled(page)
    assert_fits(page)
    assert_accessible(page)
    # Read-only view (the other parent's answer, the history) fits as well.
    page.context.clear_cookies()
    login(page, home["father"])
    page.goto(f"/kinderen/{sam.id}/toestemming")
    assert page.locator(f"#doel-{albums.id}").get_by_text("Marloes Jansen: ja").is_visible()
    assert_fits(page)
    assert_accessible(page)
    assert not page.js_errors
