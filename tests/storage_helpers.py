"""Every upload of the portal through its real HTTP route, for the storage tests
(tests/test_storage_backends.py, tests/test_storage_operations.py), and what the store holds.

The family is tests/absence_family.make_family: Marloes (Sam in groep 3, Lotte in groep 6),
Olga of another family (Noor in groep 3), juf Anna (groep 3), meester Bas (groep 6), the
office. What goes to groep 6 is out of Olga's reach: she must get a 404 for it.
"""
import io
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Album, Document, LeaveRequest, NewsItem, StoredImage
from app.storage.references import stored_keys
from tests.absence_family import make_family, post, pretend
from tests.factories import pdf_bytes, png_bytes
from tests.test_admin_import import make_csv, row
from tests.test_storage import jpeg_bytes

SHOWN = "De opslag voor bestanden is nu niet bereikbaar"


def objects():
    """The keys of every object in the app's store."""
    return set(stored_keys())


def rows():
    """How many rows of each kind that has objects."""
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (StoredImage, Album, NewsItem, Document, LeaveRequest)}


def school(app, login_as):
    pretend(app, "2026-12-02 10:00")  # a Wednesday: 11 December is a school day ahead
    data = make_family()
    data["login"] = login_as
    return data


def html(response):
    return response.get_data(as_text=True)


def profile_photo(client, data=None):
    return post(client, "/account/foto", {"photo": (io.BytesIO(data or jpeg_bytes()), "ik.jpg")},
                content_type="multipart/form-data")


def pupil_photo(client, child):
    return post(client, f"/kinderen/{child.id}/foto", {"photo": (io.BytesIO(jpeg_bytes(color=(200, 30, 30))),
                                                                  "kind.jpg")},
                content_type="multipart/form-data")


def album(client, group, count=2, title="Herfstwandeling"):
    from werkzeug.datastructures import MultiDict

    data = MultiDict({"title": title, "description": "", "event_date": "2026-11-20", "groups": str(group.id)})
    for number in range(count):
        data.add("photos", (io.BytesIO(png_bytes(color=(number * 60, 90, 20))), f"IMG_{number}.png"))
    data["csrf_token"] = _csrf(client)
    return client.post("/beheer/fotoalbums/nieuw", data=data, content_type="multipart/form-data")


def news(client, group, title="Schoolfotograaf"):
    return post(client, "/beheer/nieuws/nieuw", {
        "title": title, "body": "De fotograaf komt.", "published_at": "2026-11-30T08:00",
        "groups": str(group.id), "image": (io.BytesIO(png_bytes(64, 48)), "fotograaf.png")},
        content_type="multipart/form-data")


def document(client, group, data=None, filename="Gymrooster groep 6.pdf"):
    return post(client, "/beheer/documenten/nieuw", {
        "title": "Gymrooster", "groups": str(group.id), "file": (io.BytesIO(data or pdf_bytes()), filename)},
        content_type="multipart/form-data")


def leave(client, child):
    """Verlof voor gewichtige omstandigheden on one day, with a statement."""
    return post(client, "/afwezigheid/verlof/aanvragen", {
        "kind": "gewichtig", "children": [str(child.id)], "first_day": "2026-12-11", "last_day": "2026-12-11",
        "reason": "Bruiloft van mijn zus in Groningen.",
        "statement": (io.BytesIO(pdf_bytes("# Uitnodiging\n\nDe bruiloft.")), "uitnodiging.pdf")},
        form_page="/afwezigheid/verlof/aanvragen", content_type="multipart/form-data")


def import_csv(client):
    data = make_csv([row("9001", first="Fenna", last="Smit", group="3", p1=("Fien", "Smit", "fien@example.nl"))])
    return post(client, "/beheer/school/importeren", {"file": (io.BytesIO(data), "leerlingen.csv")},
                form_page="/beheer/school/importeren", content_type="multipart/form-data")


def hidden(response, name):
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html(response))
    return found.group(1) if found else ""


def _csrf(client):
    from tests.fixtures.users import Auth

    return Auth(client).csrf("/")
