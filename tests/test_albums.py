"""Fotoalbums: who sees which album and photo (pages and image files), uploading many
photos at once (all or nothing, Dutch reasons), the notification event, bounded queries."""
import io
import random
import secrets

import pytest
from PIL import Image
from sqlalchemy import func, insert, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Album, AlbumPhoto, NotificationEvent, StoredImage, album_groups, utcnow
from tests.fixtures.users import Auth
from tests.factories import (
    AdminFactory,
    GroupFactory,
    album_with_photos,
    family,
    png_bytes,
    stored_names,
    teacher_of,
)
from tests.fixtures.queries import count_queries


@pytest.fixture
def school(app):
    own, other, third = GroupFactory(name="3"), GroupFactory(name="6"), GroupFactory(name="8")
    _, (parent_in,) = family(own)
    _, (parent_out,) = family(other)
    people = {
        "parent_in": parent_in,
        "parent_out": parent_out,
        "teacher_own": teacher_of(own),
        "teacher_other": teacher_of(other),
        "office": AdminFactory(),
    }
    albums = {
        "school": album_with_photos(2, title="Schoolreisje", school_wide=True),
        "own": album_with_photos(2, title="Groep 3 in het bos", groups=[own]),
        "other": album_with_photos(2, title="Groep 8 kamp", groups=[third]),
    }
    return {"groups": (own, other, third), "people": people, "albums": albums}


VISIBLE = {
    "parent_in": {"school", "own"},
    "parent_out": {"school"},
    "teacher_own": {"school", "own"},
    "teacher_other": {"school"},
    "office": {"school", "own", "other"},
}


def image_files(app):
    return stored_names("images/")


def upload(client, path, files, **fields):
    """POST a multipart form with (name, bytes) photos, CSRF token included."""
    data = MultiDict(fields)
    data["csrf_token"] = Auth(client).csrf("/beheer/fotoalbums")
    for name, content in files:
        data.add("photos", (io.BytesIO(content), name))
    return client.post(path, data=data, content_type="multipart/form-data")


# --- visibility ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", list(VISIBLE))
def test_visibility_matrix_pages_images_and_thumbnails(school, login_as, who):
    client = login_as(school["people"][who])
    listing = client.get("/fotoalbums").get_data(as_text=True)
    for name, (album, photos) in school["albums"].items():
        expected = name in VISIBLE[who]
        assert (album.title in listing) == expected, (who, name)
        photo = photos[0]
        for path in (f"/fotoalbums/{album.id}", f"/fotoalbums/{album.id}/foto/{photo.id}",
                     f"/fotoalbums/{album.id}/foto/{photo.id}/afbeelding",
                     f"/fotoalbums/{album.id}/foto/{photo.id}/miniatuur"):
            response = client.get(path)
            assert response.status_code == (200 if expected else 404), (who, name, path)
            if expected and path.endswith(("afbeelding", "miniatuur")):
                assert response.mimetype == "image/png"
                assert response.headers["Cache-Control"] == "private, no-cache"
                assert response.data.startswith(b"\x89PNG")


def test_a_photo_id_of_another_album_is_404_under_a_visible_album(school, login_as):
    client = login_as(school["people"]["parent_in"])
    visible, _ = school["albums"]["own"]
    _, foreign_photos = school["albums"]["other"]
    for suffix in ("", "/afbeelding", "/miniatuur"):
        assert client.get(f"/fotoalbums/{visible.id}/foto/{foreign_photos[0].id}{suffix}").status_code == 404


def test_images_need_a_login(school, client):
    album, photos = school["albums"]["school"]
    response = client.get(f"/fotoalbums/{album.id}/foto/{photos[0].id}/miniatuur")
    assert response.status_code == 302 and "/login" in response.location


def test_photo_page_has_previous_and_next(school, login_as):
    album, photos = school["albums"]["own"]
    client = login_as(school["people"]["parent_in"])
    first = client.get(f"/fotoalbums/{album.id}/foto/{photos[0].id}").get_data(as_text=True)
    assert "foto 1 van 2" in first and 'rel="prev"' not in first
    assert f'rel="next" href="/fotoalbums/{album.id}/foto/{photos[1].id}"' in first
    second = client.get(f"/fotoalbums/{album.id}/foto/{photos[1].id}").get_data(as_text=True)
    assert f'rel="prev" href="/fotoalbums/{album.id}/foto/{photos[0].id}"' in second and 'rel="next"' not in second


def test_staff_pages_only_for_albums_one_manages(school, login_as):
    album, photos = school["albums"]["own"]
    teacher_other = login_as(school["people"]["teacher_other"])
    csrf = Auth(teacher_other).csrf("/beheer/fotoalbums")
    for path in (f"/beheer/fotoalbums/{album.id}", f"/beheer/fotoalbums/{album.id}/wijzigen"):
        assert teacher_other.get(path).status_code == 404
    for path in (f"/beheer/fotoalbums/{album.id}/verwijderen",
                 f"/beheer/fotoalbums/{album.id}/foto/{photos[0].id}/verwijderen"):
        assert teacher_other.post(path, data={"csrf_token": csrf}).status_code == 404
    assert upload(teacher_other, f"/beheer/fotoalbums/{album.id}/fotos", [("a.png", png_bytes())]).status_code == 404
    assert db.session.scalar(select(func.count(AlbumPhoto.id)).where(AlbumPhoto.album_id == album.id)) == 2
    teacher_own = login_as(school["people"]["teacher_own"])
    listing = teacher_own.get("/beheer/fotoalbums").get_data(as_text=True)
    assert "Groep 3 in het bos" in listing and "Schoolreisje" not in listing and "Groep 8 kamp" not in listing
    assert teacher_own.get(f"/beheer/fotoalbums/{school['albums']['school'][0].id}").status_code == 404
    assert login_as(school["people"]["parent_in"]).get("/beheer/fotoalbums").status_code == 403


# --- uploading ----------------------------------------------------------------------------

def test_teacher_creates_an_album_with_many_photos_and_one_event(app, school, login_as):
    own = school["groups"][0]
    teacher = school["people"]["teacher_own"]
    client = login_as(teacher)
    before = set(image_files(app))
    files = [(f"IMG_{n}.png", png_bytes(color=(n * 40, 10, 10))) for n in range(5)]
    response = upload(client, "/beheer/fotoalbums/nieuw", files, title="Herfstwandeling",
                      description="Op zoek naar paddenstoelen.", event_date="2026-10-14", groups=str(own.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    album = db.session.scalar(select(Album).where(Album.title == "Herfstwandeling"))
    assert [g.id for g in album.groups] == [own.id] and str(album.event_date) == "2026-10-14"
    assert len(album.photos) == 5 and all(p.image.purpose == "album" for p in album.photos)
    assert len(set(image_files(app)) - before) == 10  # each photo and its thumbnail
    events = db.session.scalars(select(NotificationEvent)).all()
    assert [(e.kind, e.subject_type, e.subject_id, e.created_by_id) for e in events] == [
        ("album", "album", album.id, teacher.id)]

    # Adding photos later: stored, but no second notice.
    response = upload(client, f"/beheer/fotoalbums/{album.id}/fotos", [("extra.png", png_bytes())])
    assert response.status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Album, album.id).photos) == 6
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 1

    # The parent of groep 3 sees the album and its six photos.
    page = login_as(school["people"]["parent_in"]).get(f"/fotoalbums/{album.id}").get_data(as_text=True)
    assert page.count("/miniatuur") == 6 and "Op zoek naar paddenstoelen." in page


def test_a_text_file_named_jpg_refuses_the_whole_upload(app, school, login_as):
    own = school["groups"][0]
    client = login_as(school["people"]["teacher_own"])
    before = image_files(app)
    albums_before = db.session.scalar(select(func.count(Album.id)))
    files = [("goed-1.png", png_bytes()), ("brief.jpg", b"Dit is geen foto maar tekst.\n" * 20),
             ("goed-2.png", png_bytes())]
    response = upload(client, "/beheer/fotoalbums/nieuw", files, title="Sinterklaas", groups=str(own.id))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Er is niets opgeslagen." in html
    assert "<strong>brief.jpg</strong>: Dit bestand is geen foto." in html
    assert "goed-1.png" not in html
    assert image_files(app) == before  # the good photos' files were removed again
    assert db.session.scalar(select(func.count(Album.id))) == albums_before
    assert db.session.scalar(select(func.count(StoredImage.id))) == 6  # the fixture's only
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0
    assert 'value="Sinterklaas"' in html  # the form comes back filled in


def test_an_oversized_photo_is_refused_and_nothing_is_stored(app, school, login_as):
    album, _ = school["albums"]["own"]
    app.config["MAX_IMAGE_BYTES"] = 2048
    client = login_as(school["people"]["teacher_own"])
    before = image_files(app)
    # Noise does not compress: a 120 x 120 PNG of it is far more than 2 KB.
    noisy = Image.frombytes("RGB", (120, 120), random.Random(1).randbytes(120 * 120 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    big = buffer.getvalue()
    assert len(big) > 2048
    response = upload(client, f"/beheer/fotoalbums/{album.id}/fotos", [("klein.png", png_bytes()), ("groot.png", big)])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<strong>groot.png</strong>: De foto is te groot." in html
    assert image_files(app) == before
    assert db.session.scalar(select(func.count(AlbumPhoto.id)).where(AlbumPhoto.album_id == album.id)) == 2


@pytest.mark.parametrize("fields, files, error", [
    ({"title": ""}, [("a.png", None)], "Vul een titel in."),
    ({"title": "Leeg album"}, [], "Kies minstens één foto."),
    ({"title": "Datum", "event_date": "31-02-2026"}, [("a.png", None)], "Vul een geldige datum in"),
    ({"title": "Hele school", "school_wide": "y"}, [("a.png", None)],
     "Alleen de schooladministratie kan iets voor de hele school plaatsen."),
    ({"title": "Andere groep", "groups": "OTHER"}, [("a.png", None)], "U kunt alleen iets plaatsen voor uw eigen groep(en)."),
])
def test_bad_album_input_in_dutch_nothing_stored(app, school, login_as, fields, files, error):
    own, other, _ = school["groups"]
    client = login_as(school["people"]["teacher_own"])
    fields = dict(fields)
    fields["groups"] = str(other.id) if fields.get("groups") == "OTHER" else str(own.id)
    before = image_files(app)
    response = upload(client, "/beheer/fotoalbums/nieuw", [(n, png_bytes()) for n, _ in files], **fields)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert image_files(app) == before
    assert db.session.scalar(select(func.count(Album.id))) == 3
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0


def test_office_creates_a_school_album_and_deletes_photo_and_album(app, school, login_as):
    client = login_as(school["people"]["office"])
    response = upload(client, "/beheer/fotoalbums/nieuw", [("a.png", png_bytes()), ("b.png", png_bytes())],
                      title="Koningsspelen", school_wide="y")
    assert response.status_code == 302
    album = db.session.scalar(select(Album).where(Album.title == "Koningsspelen"))
    assert album.school_wide
    assert "Koningsspelen" in login_as(school["people"]["parent_out"]).get("/fotoalbums").get_data(as_text=True)
    first, second = album.photos
    name = first.image.filename
    csrf = Auth(client).csrf("/beheer/fotoalbums")
    assert client.post(f"/beheer/fotoalbums/{album.id}/foto/{first.id}/verwijderen",
                       data={"csrf_token": csrf}).status_code == 302
    assert name not in image_files(app)
    remaining = second.image.filename
    assert client.post(f"/beheer/fotoalbums/{album.id}/verwijderen", data={"csrf_token": csrf}).status_code == 302
    assert remaining not in image_files(app)
    assert db.session.scalar(select(func.count(Album.id)).where(Album.title == "Koningsspelen")) == 0
    assert db.session.scalar(select(func.count(StoredImage.id))) == 6


# --- bounded queries ----------------------------------------------------------------------

def _bulk_albums(count, group, photos_per_album=1):
    """Albums with image rows (no files: the list pages only link to them)."""
    rows = [{"title": f"Album {n}", "description": "", "school_wide": n % 2 == 0, "created_at": utcnow()}
            for n in range(count)]
    ids = list(db.session.scalars(insert(Album).returning(Album.id), rows))
    db.session.execute(insert(album_groups), [{"album_id": i, "group_id": group.id} for n, i in enumerate(ids) if n % 2])
    _bulk_photos(ids, photos_per_album)


def _bulk_photos(album_ids, per_album):
    images = [{"purpose": "album", "stem": secrets.token_hex(16), "extension": "png", "mime_type": "image/png",
               "width": 8, "height": 6, "size_bytes": 100} for _ in range(len(album_ids) * per_album)]
    image_ids = list(db.session.scalars(insert(StoredImage).returning(StoredImage.id), images))
    db.session.execute(insert(AlbumPhoto), [
        {"album_id": album_ids[n // per_album], "image_id": image_id, "position": n % per_album}
        for n, image_id in enumerate(image_ids)])
    db.session.commit()


def test_album_lists_and_album_page_same_queries_for_10_and_1000(school, login_as):
    own = school["groups"][0]
    big = album_with_photos(1, title="Groot album", groups=[own])[0]
    clients = {"parent": login_as(school["people"]["parent_in"]), "office": login_as(school["people"]["office"]),
               "teacher": login_as(school["people"]["teacher_own"])}
    paths = [("parent", "/fotoalbums"), ("office", "/fotoalbums"), ("office", "/beheer/fotoalbums"),
             ("teacher", "/beheer/fotoalbums"), ("parent", f"/fotoalbums/{big.id}"),
             ("teacher", f"/beheer/fotoalbums/{big.id}")]
    _bulk_albums(10 - 4, own)
    _bulk_photos([big.id], 9)
    few = {(who, path): count_queries(clients[who], path) for who, path in paths}
    _bulk_albums(1000, own)
    _bulk_photos([big.id], 990)
    many = {(who, path): count_queries(clients[who], path) for who, path in paths}
    assert many == few
    page = clients["parent"].get(f"/fotoalbums/{big.id}").get_data(as_text=True)
    assert page.count("/miniatuur") == 1000
