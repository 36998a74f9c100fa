"""Mijn account in Chromium: privacy and notification switches save inline (htmx) and
survive a reload, also from the keyboard and without JavaScript; extra numbers inline;
the "+" photo upload; axe-core and 360 px on every tab."""
import pytest
from sqlalchemy import select

from app import privacy
from app.extensions import db
from app.models import ContactNumber, User
from app.notifications.services import preferences_for
from tests.browser.conftest import NARROW, assert_accessible, assert_fits, login
from tests.factories import GroupFactory, family
from tests.test_storage import jpeg_bytes


@pytest.fixture
def parent(app):
    _, (parent,) = family(group=GroupFactory(name="3"), first_name="Sam")
    parent.first_name, parent.last_name = "Marloes", "Jansen"
    db.session.commit()
    return parent


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_privacy_choices_save_inline_and_survive_a_reload(page, parent):
    login(page, parent)
    page.goto("/account/privacy")
    page.evaluate("window.notReloaded = true")
    mobile = page.get_by_role("group", name="Mobiel nummer", exact=True)
    mobile.get_by_text("Ouders van de groep").click()
    page.locator("#privacy-status").filter(has_text="Opgeslagen.").wait_for()
    assert page.evaluate("window.notReloaded === true")  # saved in place, no page load
    assert privacy.user_levels(parent)["phone_mobile"] == "group"

    # From the keyboard: focus a choice and move with the arrow keys.
    photo = page.get_by_role("group", name="Foto", exact=True)
    photo.get_by_role("radio", name="Alleen de school").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#photo-1').checked")
    page.wait_for_timeout(50)
    for _ in range(50):
        if privacy.user_levels(parent)["photo"] == "group":
            break
        page.wait_for_timeout(100)
    assert privacy.user_levels(parent)["photo"] == "group"
    # Focus stays on the choice after the swap, so the keyboard user can go on.
    assert page.evaluate("document.activeElement.id") == "photo-1"

    page.reload()
    assert page.get_by_role("group", name="Mobiel nummer", exact=True).get_by_role("radio", name="Ouders van de groep").is_checked()
    assert page.get_by_role("group", name="Foto", exact=True).get_by_role("radio", name="Ouders van de groep").is_checked()
    assert page.get_by_role("group", name="Adres", exact=True).get_by_role("radio", name="Alleen de school").is_checked()
    assert_accessible(page)
    assert not page.js_errors


def test_privacy_without_javascript(browser, live_server, parent):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=NARROW)
    try:
        page = context.new_page()
        login(page, parent)
        page.goto("/account/privacy")
        page.get_by_role("group", name="Adres", exact=True).get_by_text("Alle ouders van school").click()
        page.get_by_role("button", name="Opslaan").click()
        page.wait_for_load_state()
        assert page.get_by_text("Uw privacy-instellingen zijn opgeslagen.").is_visible()
        assert privacy.user_levels(parent)["address"] == "school"
        assert_fits(page)
    finally:
        context.close()


def test_notification_switch_warns_and_survives_a_reload(page, parent):
    login(page, parent)
    page.goto("/account/notificaties")
    assert not page.get_by_text("zelf verantwoordelijk").is_visible()
    page.evaluate("window.notReloaded = true")
    page.get_by_role("switch", name="Nieuws").click()
    page.locator("#notificaties-waarschuwing").wait_for()
    assert "Nieuws" in page.locator("#notificaties-waarschuwing").inner_text()
    assert page.evaluate("window.notReloaded === true")
    assert preferences_for(parent)["news"] is False
    page.reload()
    assert not page.get_by_role("switch", name="Nieuws").is_checked()
    assert page.get_by_role("switch", name="Spoedberichten").is_checked()
    assert page.locator("#notificaties-waarschuwing").is_visible()
    # Switched on again with the keyboard (space), the warning goes.
    page.get_by_role("switch", name="Nieuws").focus()
    page.keyboard.press("Space")
    page.locator("#notificaties-waarschuwing").wait_for(state="detached")
    assert preferences_for(parent)["news"] is True
    assert_accessible(page)
    assert not page.js_errors


def test_extra_number_added_changed_and_removed_inline(page, parent):
    login(page, parent)
    page.goto("/account/bereikbaarheid")
    page.evaluate("window.notReloaded = true")
    add = page.locator("form.number-add")
    add.get_by_label("Omschrijving").fill("werk")
    add.get_by_label("Telefoonnummer").fill("0548-123456")
    add.get_by_role("button", name="Toevoegen").click()
    page.get_by_text("werk is toegevoegd.").wait_for()
    assert page.locator(".number-list input[value='0548-123456']").count() == 1
    # Invalid input: the Dutch error in place, nothing stored.
    add = page.locator("form.number-add")
    add.get_by_label("Omschrijving").fill("oma")
    add.get_by_label("Telefoonnummer").fill("bel maar")
    add.get_by_role("button", name="Toevoegen").click()
    page.get_by_text("Vul een geldig telefoonnummer in").first.wait_for()
    assert db.session.scalar(select(ContactNumber.number).where(ContactNumber.label == "oma")) is None
    page.get_by_role("button", name="Verwijderen (werk)").click()
    page.get_by_text("werk is verwijderd.").wait_for()
    assert page.evaluate("window.notReloaded === true")
    assert db.session.scalars(select(ContactNumber)).all() == []
    assert_accessible(page)
    assert not page.js_errors


def test_photo_upload_with_the_plus_button(page, parent, tmp_path):
    photo = tmp_path / "ik.jpg"
    photo.write_bytes(jpeg_bytes(size=(600, 400)))
    login(page, parent)
    page.goto("/account/")
    plus = page.get_by_label("Foto uploaden")
    with page.expect_navigation():
        plus.set_input_files(str(photo))  # choosing the file uploads it (no extra button)
    assert page.get_by_text("Uw foto is opgeslagen.").is_visible()
    image = page.get_by_role("img", name="Foto van Marloes Jansen")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert fresh(parent).photo_id is not None
    # A bad file: the Dutch message, the old photo stays.
    bad = tmp_path / "niet-een-foto.jpg"
    bad.write_text("hallo")
    with page.expect_navigation():
        page.get_by_label("Foto uploaden").set_input_files(str(bad))
    assert page.get_by_role("alert").filter(has_text="Dit bestand is geen foto").is_visible()
    assert page.get_by_role("img", name="Foto van Marloes Jansen").is_visible()
    assert_accessible(page)
    assert not page.js_errors


@pytest.mark.parametrize("path", ["/account/", "/account/gegevens/wijzigen", "/account/bereikbaarheid",
                                  "/account/notificaties", "/account/privacy", "/account/wachtwoord"])
def test_account_pages_accessible_and_fit_360(mobile_page, parent, path):
    parent.email = "een.heel.lang.contactadres.voor.de.test@voorbeeld-van-een-lange-naam.nl"
    db.session.add(ContactNumber(user_id=parent.id, label="werk bij de gemeente", number="0548-123456"))
    db.session.commit()
    login(mobile_page, parent)
    mobile_page.goto(path)
    assert_fits(mobile_page)
    assert_accessible(mobile_page)
    assert not mobile_page.js_errors


def test_profile_edit_and_login_change_page(page, parent, app):
    login(page, parent)
    page.goto("/account/")
    page.get_by_role("link", name="Wijzigen").click()
    page.get_by_label("Postcode").fill("12")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Vul een geldige postcode in").is_visible()
    assert_accessible(page)
    page.get_by_label("Postcode").fill("7461 ab")
    page.get_by_label("Woonplaats").fill("Rijssen")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("7461 AB").is_visible()

    page.goto("/account/bereikbaarheid")
    page.get_by_label("E-mailadres (voor contact)").fill("marloes.nieuw@example.nl")
    page.get_by_role("button", name="Opslaan").first.click()
    assert page.get_by_text("Uw inlognaam is niet veranderd").is_visible()
    page.get_by_role("button", name="Inlognaam ook wijzigen").click()
    assert page.get_by_text("bevestigingslink gestuurd").first.is_visible()
    assert_accessible(page)
    from app.auth import services

    raw = services.issue_token(fresh(parent), "email", 1, new_email="marloes.nieuw@example.nl")
    db.session.commit()
    page.goto(f"/account/inlognaam/{raw}")
    assert_accessible(page)
    page.get_by_role("button", name="Bevestigen").click()
    assert page.get_by_text("Uw inlognaam is gewijzigd").is_visible()
    assert fresh(parent).login_name == "marloes.nieuw@example.nl"
