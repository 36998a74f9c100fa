"""Album photos from a phone in Chromium at 360 px (static/js/uploads.js): twelve files,
one of them no photo and one an iPhone HEIC, each sent on its own request with a progress
bar per file and a total, the button disabled while sending. Eleven are stored, the bad
one is named with its reason, the summary speaks Dutch plurals; axe-core; the documents
form shows its progress too."""
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Album, AlbumPhoto, StoredImage
from tests.browser.conftest import assert_accessible, assert_fits, login
from tests.factories import GroupFactory, family, teacher_of
from tests.test_albums_upload import heic_bytes

# Counts the upload progress events of every XMLHttpRequest, and whether the submit button
# was disabled while they came.
WATCH = """
window.uploadEvents = 0; window.enabledDuringUpload = 0;
const open = XMLHttpRequest.prototype.open;
XMLHttpRequest.prototype.open = function () {
  this.upload.addEventListener("progress", function () {
    window.uploadEvents += 1;
    const button = document.querySelector("form[data-photo-upload] button[type=submit]");
    if (button && !button.disabled) window.enabledDuringUpload += 1;
  });
  return open.apply(this, arguments);
};
"""


def phone_photo(index, side=900):
    """A JPEG of some size (noise does not compress), so the upload has progress to show."""
    import random

    image = Image.frombytes("RGB", (side, side), random.Random(index).randbytes(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def school(app):
    group = GroupFactory(name="3")
    family(group)
    return {"group": group, "teacher": teacher_of(group, first_name="Anna")}


def files_for(page_files):
    return [{"name": name, "mimeType": mime, "buffer": data} for name, mime, data in page_files]


def test_twelve_photos_from_a_phone_one_bad_one_heic(mobile_page, school):
    page = mobile_page
    page.add_init_script(WATCH)
    login(page, school["teacher"])
    page.goto("/beheer/fotoalbums/nieuw")
    page.get_by_label("Titel").fill("Schoolreisje")
    page.get_by_label("Groep 3").check()
    photos = [(f"IMG_{1000 + n}.JPG", "image/jpeg", phone_photo(n)) for n in range(10)]
    photos.insert(4, ("IMG_2000.HEIC", "image/heic", heic_bytes((1200, 900))))
    photos.insert(7, ("verslag.jpg", "image/jpeg", b"Dit is geen foto maar een verslag.\n" * 200))
    assert len(photos) == 12
    page.locator("input[type=file][name=photos]").set_input_files(files_for(photos))
    page.get_by_role("button", name="Album aanmaken").click()

    summary = page.locator(".upload-summary")
    summary.get_by_text("11 foto's toegevoegd.").wait_for(timeout=60000)
    text = summary.inner_text()
    assert "Dit bestand is niet toegevoegd:" in text
    assert "verslag.jpg: Dit bestand is geen foto." in text
    assert page.evaluate("document.activeElement.classList.contains('upload-summary')")
    bars = page.locator(".upload-row progress")
    assert bars.count() == 12
    assert all(bars.nth(i).evaluate("b => b.value") == 100 for i in range(12))
    assert page.locator(".upload-total progress").evaluate("b => b.value") == 100
    assert page.locator(".upload-total-text").inner_text() == "12 van 12 verstuurd"
    assert page.locator(".upload-refused .upload-name").inner_text().startswith("verslag.jpg")
    assert page.evaluate("window.uploadEvents") >= 12
    assert page.evaluate("window.enabledDuringUpload") == 0  # the button was disabled while sending
    assert not page.get_by_role("button", name="Album aanmaken").is_disabled()  # and is usable again
    assert_accessible(page)
    assert_fits(page)

    album = db.session.scalar(select(Album).where(Album.title == "Schoolreisje"))
    assert db.session.scalar(select(func.count(AlbumPhoto.id)).where(AlbumPhoto.album_id == album.id)) == 11
    heic = db.session.scalar(select(func.count(StoredImage.id)).where(StoredImage.width == 1200,
                                                                       StoredImage.mime_type == "image/jpeg"))
    assert heic == 1  # the HEIC, stored as a JPEG

    # Later, on the album's page: one photo, then ten.
    page.get_by_role("link", name="Naar het album").click()
    page.wait_for_url(f"**/beheer/fotoalbums/{album.id}")
    page.locator("input[type=file][name=photos]").set_input_files(files_for([("IMG_3000.JPG", "image/jpeg", phone_photo(50))]))
    page.get_by_role("button", name="Uploaden").click()
    page.locator(".upload-summary").get_by_text("1 foto toegevoegd.").wait_for(timeout=30000)
    page.locator("input[type=file][name=photos]").set_input_files(
        files_for([(f"IMG_{3100 + n}.JPG", "image/jpeg", phone_photo(60 + n, 300)) for n in range(10)]))
    page.get_by_role("button", name="Uploaden").click()
    page.locator(".upload-summary").get_by_text("10 foto's toegevoegd.").wait_for(timeout=30000)
    assert "niet toegevoegd" not in page.locator(".upload-summary").inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AlbumPhoto.id)).where(AlbumPhoto.album_id == album.id)) == 22
    assert_accessible(page)
    assert_fits(page)
    assert not page.js_errors


def test_details_with_a_problem_come_back_and_nothing_is_sent(mobile_page, school):
    page = mobile_page
    login(page, school["teacher"])
    page.goto("/beheer/fotoalbums/nieuw")
    page.get_by_label("Groep 3").check()
    page.locator("input[type=file][name=photos]").set_input_files(
        files_for([("IMG_1.JPG", "image/jpeg", phone_photo(1, 200))]))
    page.get_by_role("button", name="Album aanmaken").click()
    page.get_by_text("Vul een titel in.").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert db.session.scalar(select(func.count(Album.id))) == 0
    assert_fits(page)
    assert not page.js_errors


def test_document_upload_shows_progress_and_the_result(page, school, app):
    from tests.factories import AdminFactory

    page.add_init_script(WATCH)
    login(page, AdminFactory())
    page.goto("/beheer/documenten/nieuw")
    page.locator("input[type=file]").set_input_files(
        files_for([("schoolgids.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * 400_000 + b"\n%%EOF\n")]))
    page.get_by_label("Titel").fill("Schoolgids")
    school_wide = page.get_by_label("Hele school")
    if school_wide.count():
        school_wide.check()
    page.get_by_role("button", name="Uploaden").or_(page.get_by_role("button", name="Plaatsen")).first.click()
    page.get_by_text("Het document is geplaatst.").wait_for(timeout=30000)
    assert page.evaluate("window.uploadEvents") >= 1
    assert page.url.endswith("/beheer/documenten/")
    assert not page.js_errors
