"""Every upload, download and delete of the portal through its real routes, once on the
local folder and once on an S3-protocol server over HTTP (moto's server, tests/fixtures/s3.py):
profile and pupil photos, album photos with thumbnails, news images, documents, leave
statements and the CSV import's held file. The access checks hold on both (another family
gets a 404), a delete removes the objects, and the sweep of unreferenced objects removes
only what no row refers to and is older than a day."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.images import image_key
from app.models import Album, Child, Document, LeaveRequest, NewsItem, StoredImage, User
from app.storage import PREFIXES, document_key, get_storage, import_key, statement_key, sweep_unreferenced
from tests import storage_helpers as uploads
from tests.storage_helpers import objects, post

pytestmark = pytest.mark.usefixtures("storage_backend")


@pytest.fixture
def family(app, login_as):
    return uploads.school(app, login_as)


def image_keys(image):
    return {image_key(image), image_key(image, thumb=True)}


def stored(key):
    return get_storage().get(key)


def reload(model, row_id):
    """The row as committed by the request (the test's session may hold an older copy)."""
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_the_backend_is_the_one_asked_for(storage_backend, app):
    storage = get_storage()
    assert storage.name == storage_backend.name
    if storage_backend.name == "s3":
        assert storage.bucket == storage_backend.bucket and storage.prefix == "portal/"


def test_profile_and_pupil_photos(family):
    mother, other = family["login"](family["mother"]), family["login"](family["other"])
    assert uploads.profile_photo(mother).status_code == 302
    photo = db.session.get(StoredImage, reload(User, family["mother"].id).photo_id)
    assert objects() == image_keys(photo)
    response = mother.get(f"/groepen/foto/{photo.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data == stored(image_key(photo)) and response.headers["Cache-Control"] == "private, max-age=3600"
    assert mother.get(f"/groepen/foto/{photo.id}/klein").data == stored(image_key(photo, thumb=True))
    assert other.get(f"/groepen/foto/{photo.id}").status_code == 404  # her photo is for the school only

    assert uploads.pupil_photo(mother, family["sam"]).status_code == 302
    pupil = db.session.get(StoredImage, reload(Child, family["sam"].id).photo_id)
    assert pupil.purpose == "child" and image_keys(pupil) <= objects()
    assert family["login"](family["anna"]).get(f"/groepen/foto/{pupil.id}").data == stored(image_key(pupil))
    assert other.get(f"/groepen/foto/{pupil.id}/klein").status_code == 404

    assert uploads.profile_photo(mother, uploads.jpeg_bytes(color=(0, 0, 0))).status_code == 302  # replaced
    new = db.session.get(StoredImage, reload(User, family["mother"].id).photo_id)
    assert objects() == image_keys(new) | image_keys(pupil)
    assert post(mother, "/account/foto/verwijderen", {}).status_code == 302
    assert post(mother, f"/kinderen/{family['sam'].id}/foto/verwijderen", {}).status_code == 302
    db.session.expire_all()
    assert objects() == set() and db.session.scalars(select(StoredImage)).all() == []


def test_album_photos_and_thumbnails(family):
    bas = family["login"](family["bas"])
    assert uploads.album(bas, family["six"], count=3).status_code == 302
    album = db.session.scalars(select(Album)).one()
    photos = sorted(album.photos, key=lambda photo: photo.position)
    assert objects() == set().union(*(image_keys(photo.image) for photo in photos))
    mother, other = family["login"](family["mother"]), family["login"](family["other"])
    base = f"/fotoalbums/{album.id}/foto/{photos[0].id}"
    image, thumb = mother.get(f"{base}/afbeelding"), mother.get(f"{base}/miniatuur")
    assert (image.status_code, image.mimetype, image.headers["Cache-Control"]) == (200, "image/png", "private, no-cache")
    assert image.data == stored(image_key(photos[0].image)) and thumb.data == stored(image_key(photos[0].image, True))
    assert other.get(f"{base}/afbeelding").status_code == 404 and other.get(f"{base}/miniatuur").status_code == 404
    # Revalidation: the browser's copy is still good (an ETag on both backends).
    assert mother.get(f"{base}/afbeelding", headers={"If-None-Match": image.headers["ETag"]}).status_code == 304
    assert mother.get(f"{base}/afbeelding", headers={"If-None-Match": 'W/"x", ,garbage'}).data == image.data

    gone = image_keys(photos[0].image)
    assert post(bas, f"/beheer/fotoalbums/{album.id}/foto/{photos[0].id}/verwijderen", {}).status_code == 302
    assert not gone & objects() and len(objects()) == 4
    assert post(bas, f"/beheer/fotoalbums/{album.id}/verwijderen", {}).status_code == 302
    db.session.expire_all()
    assert objects() == set() and db.session.scalar(select(StoredImage.id)) is None


def test_news_image(family):
    office = family["login"](family["office"])
    assert uploads.news(office, family["six"]).status_code == 302
    item = db.session.scalars(select(NewsItem)).one()
    assert objects() == image_keys(item.image)
    mother, other = family["login"](family["mother"]), family["login"](family["other"])
    assert mother.get(f"/nieuws/{item.id}/afbeelding").data == stored(image_key(item.image))
    assert mother.get(f"/nieuws/{item.id}/afbeelding/klein").data == stored(image_key(item.image, thumb=True))
    assert other.get(f"/nieuws/{item.id}/afbeelding").status_code == 404
    assert post(office, f"/beheer/nieuws/{item.id}/verwijderen", {}).status_code == 302
    assert objects() == set()


def test_document_download_and_delete(family):
    office = family["login"](family["office"])
    data = uploads.pdf_bytes("# Gymrooster\n\nDinsdag en vrijdag.")
    assert uploads.document(office, family["six"], data).status_code == 302
    document = db.session.scalars(select(Document)).one()
    assert objects() == {document_key(document.stored_name)} and stored(document_key(document.stored_name)) == data
    mother, other = family["login"](family["mother"]), family["login"](family["other"])
    response = mother.get(f"/documenten/{document.id}/download")
    assert (response.status_code, response.mimetype, response.data) == (200, "application/pdf", data)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Gymrooster groep 6.pdf" in response.headers["Content-Disposition"]
    assert other.get(f"/documenten/{document.id}/download").status_code == 404
    assert post(office, f"/beheer/documenten/{document.id}/verwijderen", {}, form_page="/beheer/documenten/"
                ).status_code == 302
    assert objects() == set()


def test_leave_statement(family):
    mother = family["login"](family["mother"])
    response = uploads.leave(mother, family["lotte"])
    assert response.status_code == 302, uploads.html(response)[-1500:]
    request = db.session.scalars(select(LeaveRequest)).one()
    key = statement_key(request.statement_stored)
    assert objects() == {key}
    download = mother.get(f"/afwezigheid/verlof/{request.id}/verklaring")
    assert (download.status_code, download.data, download.headers["Cache-Control"]) == (
        200, stored(key), "private, no-store")
    assert "uitnodiging.pdf" in download.headers["Content-Disposition"]
    assert family["login"](family["other"]).get(f"/afwezigheid/verlof/{request.id}/verklaring").status_code == 404
    office = family["login"](family["office"])
    assert office.get(f"/beheer/afwezigheid/verlof/{request.id}/verklaring").data == stored(key)


def test_the_csv_imports_file_is_held_between_preview_and_import(family):
    office = family["login"](family["office"])
    preview = uploads.import_csv(office)
    assert preview.status_code == 200, uploads.html(preview)[-1500:]
    token = uploads.hidden(preview, "upload")
    assert objects() == {import_key(token)}
    response = post(office, "/beheer/school/importeren/uitvoeren",
                    {"upload": token, "fingerprint": uploads.hidden(preview, "fingerprint")},
                    form_page="/beheer/school/importeren")
    assert response.status_code == 302
    assert db.session.scalar(select(Child).where(Child.first_name == "Fenna")) is not None
    assert objects() == set()  # removed after the import


def test_the_sweep_removes_only_unreferenced_objects_older_than_a_day(family, app):
    """Objects no row refers to (a leave form never submitted, a CSV never imported, an
    object whose row's commit failed) go once a day old; the objects' times are real, so the
    sweep is asked as if it ran a day later."""
    office = family["login"](family["office"])
    uploads.news(office, family["six"])
    uploads.document(office, family["six"])
    assert uploads.leave(family["login"](family["mother"]), family["lotte"]).status_code == 302
    referenced = objects()
    storage = get_storage()
    strays = {f"{prefix}{'0' * 32}.bin" for prefix in PREFIXES}
    for key in strays:
        storage.put(key, b"stray", "application/octet-stream")
    assert sweep_unreferenced() == 0 and objects() == referenced | strays  # younger than a day
    assert sweep_unreferenced(now=datetime.now(UTC) + timedelta(hours=23)) == 0
    assert sweep_unreferenced(now=datetime.now(UTC) + timedelta(hours=25)) == len(strays) == 4
    assert objects() == referenced
    # The retention job runs it every night and records the count.
    from app.admin.retention import run_retention

    assert run_retention().files_swept == 0
