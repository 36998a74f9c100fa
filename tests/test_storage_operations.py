"""Running the portal on an object store (moto's S3 server over HTTP, tests/fixtures/s3.py):
downloads as redirects to presigned URLs, the store going away (uploads refused in Dutch
with nothing half-written, pages still shown), and moving a local folder's files into the
store with `flask storage migrate`, verified by `flask storage check`."""
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.images import image_key
from app.models import Album, Document, LeaveRequest, NewsItem, User
from app.storage import document_key, get_storage, statement_key
from tests import storage_helpers as uploads
from tests.factories import pdf_bytes, stored_album_image, stored_document
from tests.fixtures.s3 import use_s3
from tests.storage_helpers import SHOWN, html, objects, rows


@pytest.fixture
def family(app, login_as):
    return uploads.school(app, login_as)


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, dict(answer.headers), answer.read()


# --- redirects to presigned URLs ----------------------------------------------------------------

def test_redirect_mode_sends_the_browser_to_a_short_lived_presigned_url(app, family, s3_backend):
    office, mother = family["login"](family["office"]), family["login"](family["mother"])
    uploads.news(office, family["six"])
    uploads.document(office, family["six"], pdf_bytes("# Brief"), filename="Brief aan ouders.pdf")
    item, document = db.session.scalars(select(NewsItem)).one(), db.session.scalars(select(Document)).one()
    s3_backend.serve(app, "redirect")

    response = mother.get(f"/nieuws/{item.id}/afbeelding")
    assert response.status_code == 302 and response.location.startswith(s3_backend.server.url + "/")
    assert "X-Amz-Expires=300" in response.location and "X-Amz-Signature=" in response.location
    assert response.headers["Cache-Control"] == "private, max-age=150"  # half the URL's life, never shared
    status, headers, body = fetch(response.location)  # the browser follows it, over HTTP
    assert (status, headers["content-type"], body) == (200, "image/png", get_storage().get(image_key(item.image)))
    assert headers["Cache-Control"].startswith("private")

    response = mother.get(f"/documenten/{document.id}/download")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "private, no-store"
    status, headers, body = fetch(response.location)
    assert body == get_storage().get(document_key(document.stored_name))
    assert headers["Content-Disposition"].startswith("attachment;") and "Brief aan ouders.pdf" in headers[
        "Content-Disposition"]
    # The access check comes first: another family gets no URL.
    other = family["login"](family["other"])
    assert other.get(f"/documenten/{document.id}/download").status_code == 404
    assert other.get(f"/nieuws/{item.id}/afbeelding").status_code == 404
    # Pages let the browser load images from the store (and from nowhere else).
    csp = mother.get("/nieuws/").headers["Content-Security-Policy"]
    assert f"img-src 'self' data: {s3_backend.server.url};" in csp


# --- the store away ----------------------------------------------------------------------------

def test_without_the_store_uploads_are_refused_in_dutch_and_pages_still_render(app, family, s3_down):
    office, mother, bas = (family["login"](family[name]) for name in ("office", "mother", "bas"))
    assert uploads.profile_photo(mother).status_code == 302  # while the store is there
    assert uploads.album(bas, family["six"], count=1, title="Sinterklaas").status_code == 302
    assert uploads.news(office, family["six"]).status_code == 302
    db.session.expire_all()
    album, item = db.session.scalars(select(Album)).one(), db.session.scalars(select(NewsItem)).one()
    photo_id = db.session.get(User, family["mother"].id).photo_id
    assert photo_id is not None
    before, stored_before = rows(), objects()
    s3_down.stop()

    refused = {
        "profielfoto": lambda: uploads.profile_photo(mother),
        "leerlingfoto": lambda: uploads.pupil_photo(mother, family["sam"]),
        "fotoalbum": lambda: uploads.album(bas, family["six"], count=2),
        "foto's erbij": lambda: uploads.post(bas, f"/beheer/fotoalbums/{album.id}/fotos", {"photos": (
            uploads.io.BytesIO(uploads.png_bytes()), "extra.png")}, content_type="multipart/form-data"),
        "nieuws": lambda: uploads.news(office, family["six"], title="Nog een"),
        "document": lambda: uploads.document(office, family["six"]),
        "verlof": lambda: uploads.leave(mother, family["lotte"]),
        "csv-import": lambda: uploads.import_csv(office),
    }
    for name, upload in refused.items():
        started = time.monotonic()
        response = upload()
        assert time.monotonic() - started < 10, f"{name}: a quick refusal, not a hung request"
        assert response.status_code in (200, 422), (name, response.status_code)
        assert SHOWN in html(response), (name, html(response)[-1500:])
        db.session.expire_all()
        assert rows() == before, name  # no row without its object
    db.session.expire_all()
    assert db.session.get(User, family["mother"].id).photo_id == photo_id  # the old photo stays
    assert db.session.scalar(select(LeaveRequest.id)) is None

    # Pages that show images still render; the images themselves answer 503 in Dutch.
    for client, path in ((mother, "/"), (mother, "/account/"), (mother, "/nieuws/"), (mother, f"/nieuws/{item.id}"),
                         (mother, "/fotoalbums"), (mother, f"/fotoalbums/{album.id}"), (bas, "/beheer/fotoalbums")):
        assert client.get(path).status_code == 200, path
    image = mother.get(f"/nieuws/{item.id}/afbeelding")
    assert image.status_code == 503 and SHOWN in html(image)
    # Nothing went elsewhere instead: no file in the local folder either.
    assert not [path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()]
    assert len(stored_before) == 2 + 2 + 2  # profile photo, album photo, news image (each with thumbnail)
    result = app.test_cli_runner().invoke(args=["storage", "check"])
    assert result.exit_code == 2 and SHOWN in result.output


# --- moving a folder's files into the store ----------------------------------------------------

def test_migrate_copies_the_local_files_into_the_store_and_check_verifies(app, family, s3_server, tmp_path):
    runner = app.test_cli_runner()
    photo = stored_album_image()                       # written on the local folder (the default)
    document = stored_document(title="Schoolgids", data=pdf_bytes("# Schoolgids"))
    assert uploads.leave(family["login"](family["mother"]), family["lotte"]).status_code == 302
    statement = db.session.scalars(select(LeaveRequest)).one().statement_stored
    local = objects()
    assert local == {image_key(photo), image_key(photo, True), document_key(document.stored_name),
                     statement_key(statement)}
    use_s3(app, s3_server, s3_server.create_bucket())

    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1 and "4 bestand(en) ontbreken" in result.output
    assert all(key in result.output for key in local) and "document #" in result.output

    result = runner.invoke(args=["storage", "migrate"])
    assert result.exit_code == 0, result.output
    assert "4 gekopieerd, 0 stonden er al, 0 mislukt" in result.output and "alle 4 bestanden" in result.output
    assert objects() == local
    assert get_storage().get(document_key(document.stored_name)) == pdf_bytes("# Schoolgids")
    result = runner.invoke(args=["storage", "migrate"])  # again: nothing to do
    assert result.exit_code == 0 and "0 gekopieerd, 4 stonden er al" in result.output

    get_storage().delete(image_key(photo, thumb=True))  # an object lost in the store
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1 and "1 bestand(en) ontbreken" in result.output
    assert f"{image_key(photo, True)}  (foto #{photo.id} (album, miniatuur))" in result.output


# --- settings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("settings", [{"STORAGE_URL": "ftp://bucket/x"}, {"STORAGE_URL": "s3://"},
                                      {"STORAGE_URL": "s3://bucket", "STORAGE_SERVE": "proxy"}])
def test_a_wrong_storage_setting_stops_the_app_at_start(settings):
    from app import create_app
    from config import TestConfig

    with pytest.raises(ValueError, match="STORAGE_"):
        create_app(TestConfig, **settings)


def test_keys_are_only_the_portals_own(app):
    from app.storage import StorageError, UploadError, get_storage

    assert issubclass(StorageError, UploadError)  # every upload form shows its message
    for key in ("../etc/passwd", "images/../../x", "/images/a.jpg", "images/a b.jpg", "images//a.jpg", ""):
        with pytest.raises(ValueError):
            get_storage().put(key, b"x", "text/plain")
