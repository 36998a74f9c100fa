"""Berichten, Fotoalbums and Home in Chromium: replying inline (htmx) and without
JavaScript, the spoedbericht on top of Home, leafing through album photos, uploading many
photos at once; axe-core and 360 px on every page of these modules."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import utcnow
from tests.browser.conftest import NARROW, assert_accessible, assert_fits, login
from tests.factories import (
    AdminFactory,
    GroupFactory,
    MessageFactory,
    album_with_photos,
    family,
    png_bytes,
    teacher_of,
)


@pytest.fixture
def school(app):
    group = GroupFactory(name="3")
    _, (parent,) = family(group, first_name="Sam")
    teacher = teacher_of(group, first_name="Anna")
    message = MessageFactory(title="Wie helpt er mee met de kerstmarkt?", groups=[group], replies_allowed=True,
                             text="Beste ouders,\n\nWe zoeken **hulp**:\n\n- kraampjes opbouwen\n- koffie schenken")
    urgent = MessageFactory(title="School morgen later open", urgent=True, school_wide=True,
                            text="Door de storm begint de school morgen om **10:00 uur**.")
    MessageFactory(title="Oud bericht", school_wide=True, created_at=utcnow() - timedelta(days=30))
    album, photos = album_with_photos(3, title="Herfstwandeling", groups=[group])
    return {"group": group, "parent": parent, "teacher": teacher, "office": AdminFactory(first_name="Karin"),
            "message": message, "urgent": urgent, "album": album, "photos": photos}


def test_reply_inline_with_htmx(page, school):
    message = school["message"]
    login(page, school["parent"])
    page.goto(f"/berichten/{message.id}")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Uw reactie", exact=True).fill("Ik kan koffie schenken.")
    page.get_by_role("button", name="Reactie versturen").click()
    status = page.get_by_role("status").filter(has_text="Uw reactie is verstuurd.")
    status.wait_for()
    assert page.locator("#reacties .reply-text").inner_text() == "Ik kan koffie schenken."
    assert page.evaluate("window.notReloaded === true")  # swapped in place, no page load
    assert page.get_by_label("Uw reactie", exact=True).input_value() == ""
    # An empty reply: the Dutch error in place (a 422 fragment), nothing added.
    page.get_by_role("button", name="Reactie versturen").click()
    page.get_by_text("Schrijf eerst uw reactie.").first.wait_for()
    assert page.locator("#reacties .reply-text").count() == 1
    assert page.evaluate("window.notReloaded === true")
    assert_accessible(page)
    assert not page.js_errors


def test_inline_reply_after_replies_were_switched_off_says_why(page, school):
    message = school["message"]
    login(page, school["parent"])
    page.goto(f"/berichten/{message.id}")
    page.evaluate("window.notReloaded = true")
    message.replies_allowed = False  # the teacher switches replies off meanwhile
    db.session.commit()
    page.get_by_label("Uw reactie", exact=True).fill("Ik kan koffie schenken.")
    page.get_by_role("button", name="Reactie versturen").click()
    page.locator("#reacties").get_by_text("Op dit bericht kunt u niet reageren.").wait_for()
    assert page.locator("#reacties .reply-text").count() == 0
    assert page.evaluate("window.notReloaded === true")
    assert not page.js_errors


def test_reply_without_javascript(browser, live_server, school):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=NARROW)
    try:
        page = context.new_page()
        login(page, school["parent"])
        page.goto(f"/berichten/{school['message'].id}")
        page.get_by_label("Uw reactie", exact=True).fill("Zonder JavaScript gaat het ook.")
        page.get_by_role("button", name="Reactie versturen").click()
        page.wait_for_url(f"**/berichten/{school['message'].id}#reacties")
        assert page.get_by_text("Uw reactie is verstuurd").first.is_visible()
        assert page.locator("#reacties .reply-text").inner_text() == "Zonder JavaScript gaat het ook."
        assert_fits(page)
    finally:
        context.close()


def test_urgent_message_on_top_of_home(page, mobile_page, school):
    for p in (page, mobile_page):
        login(p, school["parent"])
        urgent = p.locator(".home-urgent")
        assert urgent.get_by_role("link", name="School morgen later open").is_visible()
        assert urgent.get_by_text("10:00 uur").is_visible()
        top = urgent.bounding_box()["y"]
        for other in p.locator("main section").all():
            if other.is_visible():
                assert other.bounding_box()["y"] >= top
        assert p.locator("main h1").bounding_box()["y"] < top  # only the greeting above it
        assert_accessible(p)
    assert_fits(mobile_page)


def test_opening_an_album_photo_and_leafing_with_the_keyboard(page, school):
    album, photos = school["album"], school["photos"]
    login(page, school["parent"])
    page.goto("/fotoalbums")
    page.get_by_role("link", name="Herfstwandeling").click()
    page.wait_for_url(f"**/fotoalbums/{album.id}")
    assert page.locator(".photo-grid img").count() == 3
    page.get_by_role("link", name="Foto 1 van 3").click()
    page.wait_for_url(f"**/foto/{photos[0].id}")
    # The access-checked image really loads.
    page.wait_for_function("() => { const i = document.querySelector('.photo-view img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"**/foto/{photos[1].id}")
    assert page.get_by_text("foto 2 van 3").is_visible()
    page.get_by_role("link", name="‹ Vorige foto").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/foto/{photos[0].id}")
    assert_accessible(page)
    assert not page.js_errors


def test_staff_upload_many_photos_at_once(page, school, tmp_path):
    files = []
    for n in range(3):
        path = tmp_path / f"foto-{n}.png"
        path.write_bytes(png_bytes(40, 30, color=(60 * n, 90, 30)))
        files.append(str(path))
    login(page, school["teacher"])
    page.goto("/beheer/fotoalbums/nieuw")
    page.get_by_label("Titel").fill("Sint-Maarten")
    page.get_by_label("Groep 3").check()
    page.get_by_label("Foto's").set_input_files(files)
    page.get_by_role("button", name="Album aanmaken").click()
    # Each photo is sent on its own (static/js/uploads.js), then a summary links to the album.
    page.get_by_text("3 foto's toegevoegd.").wait_for()
    page.get_by_role("link", name="Naar het album").click()
    page.get_by_role("heading", name="Sint-Maarten").wait_for()
    assert page.locator(".photo-grid img").count() == 3
    page.locator(".photo-grid").scroll_into_view_if_needed()  # the thumbnails load lazily
    page.wait_for_function(
        "() => [...document.querySelectorAll('.photo-grid img')].every(i => i.complete && i.naturalWidth > 0)")
    assert_accessible(page)


def _pages_for_parent(school):
    album, photos, message = school["album"], school["photos"], school["message"]
    return ["/", "/berichten", f"/berichten/{message.id}", f"/berichten/{school['urgent'].id}", "/fotoalbums",
            f"/fotoalbums/{album.id}", f"/fotoalbums/{album.id}/foto/{photos[1].id}"]


def _pages_for_staff(school):
    album, message = school["album"], school["message"]
    return ["/", "/beheer/berichten", "/beheer/berichten/nieuw", f"/beheer/berichten/{message.id}",
            f"/beheer/berichten/{message.id}/wijzigen", "/beheer/fotoalbums", "/beheer/fotoalbums/nieuw",
            f"/beheer/fotoalbums/{album.id}", f"/beheer/fotoalbums/{album.id}/wijzigen"]


# The office's staff pages are a teacher's plus the "Hele school" choice; the teacher's own
# pages are covered by the upload test above.
@pytest.mark.parametrize("who", ["parent", "office"])
def test_every_page_accessible_and_fits_360(mobile_page, page, school, who):
    paths = _pages_for_parent(school) if who == "parent" else _pages_for_staff(school)
    login(mobile_page, school[who])
    login(page, school[who])
    for path in paths:
        for p in (mobile_page, page):
            response = p.goto(path)
            assert response.status == 200, path
            assert_accessible(p)
        assert_fits(mobile_page)
    if who != "parent":
        # The forms with their Dutch errors shown.
        for p in (mobile_page, page):
            p.goto("/beheer/berichten/nieuw")
            p.get_by_role("button", name="Plaatsen").click()
            p.get_by_text("Vul een titel in.").first.wait_for()
            assert_accessible(p)
            p.goto("/beheer/fotoalbums/nieuw")
            p.get_by_role("button", name="Album aanmaken").click()
            p.get_by_text("Vul een titel in.").first.wait_for()
            assert_accessible(p)
        assert_fits(mobile_page)
    assert not page.js_errors and not mobile_page.js_errors
