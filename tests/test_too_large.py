"""The 413 page says what was too large (issue 17): a pasted text on a form without files is
not "a file too large to upload"; a file over MAX_CONTENT_LENGTH still is."""
import io

import pytest

from app.extensions import db
from app.models import Message
from tests.factories import AdminFactory
from tests.fixtures.users import Auth

FORM = "/beheer/berichten/nieuw"


def _words(response):
    return " ".join(response.get_data(as_text=True).split())


@pytest.fixture
def small_uploads(app):
    before = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    yield
    app.config["MAX_CONTENT_LENGTH"] = before


def test_a_text_over_the_limit_on_a_form_without_files_is_called_a_text(login_as, small_uploads):
    client = login_as(AdminFactory())
    response = Auth(client).post(FORM, {"title": "Lang", "text": "x" * 200_000, "school_wide": "y"},
                                 csrf_page=FORM)
    assert response.status_code == 413
    words = _words(response)
    assert "De tekst is te lang om te versturen. Maak hem korter en probeer het opnieuw." in words
    assert "upload" not in words and "bestand" not in words.lower()
    assert db.session.query(Message).count() == 0


def test_a_long_text_in_a_form_with_files_gets_words_for_both(login_as):
    # Over Werkzeug's memory limit for one multipart field (500 kB), under the request's.
    client = login_as(AdminFactory())
    data = {"title": "Lang", "body": "x" * 1_000_000, "image": (io.BytesIO(b"klein"), "foto.jpg")}
    response = Auth(client).post("/beheer/nieuws/nieuw", data, csrf_page="/beheer/nieuws/nieuw",
                                 content_type="multipart/form-data")
    assert response.status_code == 413
    assert "een tekst is te lang of een bestand te groot" in _words(response)


def test_a_file_over_the_request_limit_is_still_a_file(login_as, small_uploads):
    client = login_as(AdminFactory())
    token = Auth(client).csrf("/beheer/nieuws/nieuw")
    data = {"csrf_token": token, "title": "Foto", "body": "Tekst", "image": (io.BytesIO(b"x" * 200_000), "groot.jpg")}
    response = client.post("/beheer/nieuws/nieuw", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Het bestand is te groot om te uploaden." in _words(response)
