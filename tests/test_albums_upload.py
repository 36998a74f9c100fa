"""Album photos as a phone sends them: one file per request (static/js/uploads.js) to
POST /beheer/fotoalbums/<id>/foto, answered with JSON. A refused file refuses only
itself; an iPhone's HEIC is stored as a JPEG; a photo with too many pixels is scaled
down; the endpoint has the access checks and CSRF of any form; the album's notice is
recorded once, with its first photo."""
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Album, AlbumPhoto, NotificationEvent, StoredImage
from app.storage import get_storage
from tests.factories import GroupFactory, album_with_photos, family, png_bytes, stored_names, teacher_of
from tests.fixtures.users import Auth


@pytest.fixture
def setting(app):
    own, other = GroupFactory(name="3"), GroupFactory(name="6")
    family(own)
    album, _ = album_with_photos(1, title="Groep 3 in het bos", groups=[own])
    return {"own": own, "album": album, "teacher": teacher_of(own), "stranger": teacher_of(other)}


def heic_bytes(size=(640, 480)):
    """A real HEIC, as an iPhone writes it (pillow-heif)."""
    import pillow_heif

    image = Image.new("RGB", size, (30, 120, 200))
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, quality=80)
    return buffer.getvalue()


def jpeg_bytes(size, color=(90, 160, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def send_one(client, album_id, name, content, token=None, children=()):
    token = Auth(client).csrf(f"/beheer/fotoalbums/{album_id}") if token is None else token
    data = {"photo": (io.BytesIO(content), name), "children": [str(c) for c in children]}
    if token:
        data["csrf_token"] = token
    return client.post(f"/beheer/fotoalbums/{album_id}/foto", data=data, content_type="multipart/form-data")


def photo_count(album):
    return db.session.scalar(select(func.count(AlbumPhoto.id)).where(AlbumPhoto.album_id == album.id))


def test_good_photo_is_stored_and_a_bad_one_refuses_only_itself(app, setting, login_as):
    album, client = setting["album"], login_as(setting["teacher"])
    first = send_one(client, album.id, "IMG_0001.png", png_bytes())
    assert first.status_code == 201 and first.get_json() == {"name": "IMG_0001.png"}
    bad = send_one(client, album.id, "brief.jpg", b"Dit is geen foto maar tekst.\n" * 20)
    assert bad.status_code == 422
    assert bad.get_json() == {"name": "brief.jpg",
                              "error": "Dit bestand is geen foto. Upload een JPEG, PNG, WebP of HEIC (iPhone)-afbeelding."}
    second = send_one(client, album.id, "IMG_0002.png", png_bytes())
    assert second.status_code == 201
    assert photo_count(album) == 3  # the fixture's one and the two good ones
    # The album was announced when it was made: no second notice for added photos.
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0


def test_heic_from_an_iphone_is_stored_as_jpeg(app, setting, login_as):
    album, client = setting["album"], login_as(setting["teacher"])
    response = send_one(client, album.id, "IMG_4032.HEIC", heic_bytes())
    assert response.status_code == 201, response.get_data(as_text=True)
    image = db.session.scalar(select(StoredImage).join(AlbumPhoto, AlbumPhoto.image_id == StoredImage.id)
                              .where(AlbumPhoto.album_id == album.id).order_by(AlbumPhoto.id.desc()).limit(1))
    assert (image.extension, image.mime_type, image.width, image.height) == ("jpg", "image/jpeg", 640, 480)
    stored = get_storage().get(f"images/{image.stem}.jpg")
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    # And the parent's browser gets a JPEG.
    page = client.get(f"/fotoalbums/{album.id}/foto/{db.session.scalar(select(func.max(AlbumPhoto.id)))}/miniatuur")
    assert page.status_code == 200 and page.mimetype == "image/jpeg"


def test_photo_over_the_pixel_limit_is_scaled_down_not_refused(app, setting, login_as):
    app.config["MAX_IMAGE_PIXELS"] = 1_000_000  # instead of 40 Mpx: a test needs no 50 Mpx photo
    album, client = setting["album"], login_as(setting["teacher"])
    response = send_one(client, album.id, "panorama.jpg", jpeg_bytes((3000, 1000)))
    assert response.status_code == 201, response.get_data(as_text=True)
    image = db.session.scalar(select(StoredImage).order_by(StoredImage.id.desc()).limit(1))
    assert image.width <= 2000 and image.width / image.height == pytest.approx(3, rel=0.01)


def test_a_decompression_bomb_is_still_refused(app, setting, login_as):
    from tests.test_storage import bomb_png

    album, client = setting["album"], login_as(setting["teacher"])
    before = stored_names("images/")
    response = send_one(client, album.id, "bom.png", bomb_png(10000, 9000))  # 90 Mpx, over the hard 80
    assert response.status_code == 422
    assert response.get_json()["error"] == "Deze foto heeft te veel pixels. Verklein de foto en probeer het opnieuw."
    assert stored_names("images/") == before and photo_count(album) == 1


def test_another_groups_teacher_gets_404_and_nothing_is_stored(app, setting, login_as):
    album = setting["album"]
    client = login_as(setting["stranger"])
    token = Auth(client).csrf("/beheer/fotoalbums")
    response = send_one(client, album.id, "IMG_0001.png", png_bytes(), token=token)
    assert response.status_code == 404
    assert photo_count(album) == 1


def test_a_parent_cannot_upload(app, setting, login_as):
    from tests.factories import ParentFactory

    client = login_as(ParentFactory())
    response = send_one(client, setting["album"].id, "IMG_0001.png", png_bytes(), token=Auth(client).csrf("/"))
    assert response.status_code in (403, 404)
    assert photo_count(setting["album"]) == 1


def test_without_csrf_token_nothing_is_stored(app, setting, login_as):
    album, client = setting["album"], login_as(setting["teacher"])
    response = send_one(client, album.id, "IMG_0001.png", png_bytes(), token="")
    assert response.status_code == 400
    assert photo_count(album) == 1


def test_logged_out_sends_to_login_and_stores_nothing(app, setting, client):
    response = client.post(f"/beheer/fotoalbums/{setting['album'].id}/foto",
                           data={"photo": (io.BytesIO(png_bytes()), "a.png")}, content_type="multipart/form-data")
    assert response.status_code in (302, 400, 401)
    assert photo_count(setting["album"]) == 1


def test_album_made_for_separate_photos_is_announced_once_with_its_first_photo(app, setting, login_as):
    teacher, own = setting["teacher"], setting["own"]
    client = login_as(teacher)
    token = Auth(client).csrf("/beheer/fotoalbums/nieuw")
    made = client.post("/beheer/fotoalbums/nieuw", data={"csrf_token": token, "title": "Sinterklaas",
                                                          "groups": str(own.id), "fotos_los": "1"})
    assert made.status_code == 201
    album = db.session.scalar(select(Album).where(Album.title == "Sinterklaas"))
    assert made.get_json() == {"upload_url": f"/beheer/fotoalbums/{album.id}/foto",
                               "album_url": f"/beheer/fotoalbums/{album.id}"}
    assert db.session.scalar(select(func.count(NotificationEvent.id))) == 0  # nothing to see yet
    for index in range(3):
        assert send_one(client, album.id, f"IMG_{index}.png", png_bytes(), token=token).status_code == 201
    events = db.session.scalars(select(NotificationEvent)).all()
    assert [(e.kind, e.subject_id, e.created_by_id) for e in events] == [("album", album.id, teacher.id)]
    assert photo_count(album) == 3


def test_details_with_problems_come_back_as_the_page(app, setting, login_as):
    client = login_as(setting["teacher"])
    token = Auth(client).csrf("/beheer/fotoalbums/nieuw")
    response = client.post("/beheer/fotoalbums/nieuw", data={"csrf_token": token, "title": "",
                                                              "groups": str(setting["own"].id), "fotos_los": "1"})
    assert response.status_code == 422 and "Vul een titel in." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Album.id))) == 1
