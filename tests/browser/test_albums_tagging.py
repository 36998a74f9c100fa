"""Marking pupils in album photos in Chromium: a batch with htmx (names appear, the focus
goes to the message), "Alle foto's kiezen", the same without JavaScript; axe-core and 360 px
on the batch page and the upload pages."""
import pytest

from tests.browser.conftest import NARROW, assert_accessible, assert_fits, htmx_settled, login
from tests.factories import ChildFactory, GroupFactory, album_with_photos, family, teacher_of
from tests.test_albums_consent import albums_purpose, answer


@pytest.fixture
def school(app):
    purpose = albums_purpose()
    group = GroupFactory(name="3")
    ilse, (ilse_parent,) = family(group, first_name="Ilse", last_name="Vandermolen")
    answer(ilse_parent, ilse, purpose, "ja")
    bram = ChildFactory(group=group, first_name="Bram", last_name="Oosterwijk")  # no answer: no consent
    album, photos = album_with_photos(4, title="Herfstwandeling", groups=[group])
    return {"teacher": teacher_of(group, first_name="Anna"), "album": album, "photos": photos,
            "ilse": ilse, "bram": bram}


def test_staff_mark_pupils_on_a_batch_of_photos(page, school):
    album, photos = school["album"], school["photos"]
    login(page, school["teacher"])
    page.goto(f"/beheer/fotoalbums/{album.id}")
    page.get_by_role("link", name="Leerlingen markeren").click()
    page.wait_for_url(f"**/beheer/fotoalbums/{album.id}/markeren")
    notice = page.locator(".consent-notice")
    assert "Bram Oosterwijk" in notice.inner_text() and "Ilse Vandermolen" not in notice.inner_text()
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Ilse Vandermolen").check()
    page.get_by_label("Bram Oosterwijk").check()
    page.get_by_label("Foto 1 kiezen").check()
    page.get_by_label("Foto 3 kiezen").check()
    page.get_by_role("button", name="Markeren op geselecteerde foto's").click()
    page.get_by_role("status").filter(has_text="4 markeringen toegevoegd.").wait_for()
    htmx_settled(page)
    assert page.evaluate("window.notReloaded === true")  # swapped in place
    assert page.evaluate("document.activeElement.classList.contains('tagging-status')")
    for index, photo in enumerate(photos):
        names = page.locator(f"#op-foto-{photo.id}").inner_text()
        if index in (0, 2):
            assert "Ilse Vandermolen" in names and "Bram Oosterwijk" in names
        else:
            assert names == "Niemand gemarkeerd"
    assert page.get_by_label("Foto 1 kiezen").is_checked()  # the selection stays for the next step

    # Select all, take Bram off every photo.
    page.get_by_label("Foto 1 kiezen").uncheck()
    page.get_by_label("Alle foto's kiezen").check()
    assert all(page.get_by_label(f"Foto {n} kiezen").is_checked() for n in range(1, 5))
    page.get_by_label("Bram Oosterwijk").check()
    page.get_by_role("button", name="Markering weghalen").click()
    page.get_by_role("status").filter(has_text="2 markeringen weggehaald.").wait_for()
    htmx_settled(page)
    assert page.locator(f"#op-foto-{photos[0].id}").inner_text() == "Op de foto: Ilse Vandermolen"

    # Nothing chosen: the Dutch reason in place, nothing changed.
    page.get_by_role("button", name="Markeren op geselecteerde foto's").click()
    page.get_by_role("alert").filter(has_text="Kies minstens één").wait_for()
    htmx_settled(page)
    assert page.locator(f"#op-foto-{photos[2].id}").inner_text() == "Op de foto: Ilse Vandermolen"
    assert_accessible(page)

    # One photo on its own.
    page.get_by_role("link", name="Foto 2 wijzigen").click()
    page.get_by_label("Bram Oosterwijk").check()
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("De markering van de foto is opgeslagen.").wait_for()
    assert page.locator(f"#op-foto-{photos[1].id}").inner_text() == "Op de foto: Bram Oosterwijk"
    assert not page.js_errors


def test_marking_without_javascript(browser, live_server, school):
    album, photos = school["album"], school["photos"]
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=NARROW)
    page = context.new_page()
    try:
        login(page, school["teacher"])
        page.goto(f"/beheer/fotoalbums/{album.id}/markeren")
        assert not page.get_by_label("Alle foto's kiezen").is_visible()
        page.get_by_label("Bram Oosterwijk").check()
        page.get_by_label("Foto 4 kiezen").check()
        page.get_by_role("button", name="Markeren op geselecteerde foto's").click()
        page.get_by_text("1 markering toegevoegd.").wait_for()
        assert page.locator(f"#op-foto-{photos[3].id}").inner_text() == "Op de foto: Bram Oosterwijk"
    finally:
        context.close()


def test_batch_and_upload_pages_accessible_and_fit_360(mobile_page, page, school):
    album = school["album"]
    for p in (mobile_page, page):
        login(p, school["teacher"])
    for path in (f"/beheer/fotoalbums/{album.id}/markeren", "/beheer/fotoalbums/nieuw",
                 f"/beheer/fotoalbums/{album.id}",
                 f"/beheer/fotoalbums/{album.id}/foto/{school['photos'][0].id}/markeringen"):
        for p in (mobile_page, page):
            assert p.goto(path).status == 200, path
            assert_accessible(p)
        assert_fits(mobile_page)
    assert not page.js_errors and not mobile_page.js_errors
