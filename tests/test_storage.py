"""Image uploads (app/images.py) through the real "+" photo upload of Mijn account.

Content decides, not the file name or Content-Type; refused uploads store nothing and say
why in Dutch; accepted photos are re-encoded without metadata and get a thumbnail.
"""
import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import AuditEntry, StoredImage, User
from app.images import UploadError, save_image, size_text
from tests.fixtures.users import Auth
from tests.factories import ParentFactory, image_object, stored_names

# --- image makers ------------------------------------------------------------------------

GPS_IFD = 0x8825


def jpeg_bytes(size=(64, 48), color=(30, 120, 200), exif=None, **options):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        options["exif"] = exif.tobytes()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def png_bytes(size=(40, 30), color=(200, 40, 40, 255), mode="RGBA", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG", **options)
    return buffer.getvalue()


def gps_exif(orientation=None):
    """EXIF with a GPS position (Schutkampen, Rijssen), the camera make and a comment."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"   # Make
    exif[0x9286] = "thuis"        # UserComment (in the Exif IFD on real cameras; here IFD0)
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 18.0, 30.5)
    gps[3] = "E"
    gps[4] = (6.0, 31.0, 12.25)
    return exif


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width=30000, height=30000):
    """A tiny file whose header claims width×height pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def noisy_png(side=400):
    """A PNG that does not compress (random pixels): big in bytes."""
    import os

    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script><rect width="10" height="10"/></svg>')


def stored_files(app):
    return stored_names("images/")


def upload(client, data, filename="foto.jpg", content_type="image/jpeg"):
    auth = Auth(client)
    token = auth.csrf("/account/")
    return client.post("/account/foto", data={"csrf_token": token, "photo": (io.BytesIO(data), filename, content_type)},
                       content_type="multipart/form-data")


@pytest.fixture
def parent_client(app, login_as):
    parent = ParentFactory()
    return parent, login_as(parent)


# --- refused uploads -----------------------------------------------------------------------

BAD_UPLOADS = {
    "text-named-jpg": (b"Dit is geen foto maar een tekstbestand.\n" * 20, "vakantie.jpg", "image/jpeg",
                       "Dit bestand is geen foto"),
    "svg": (SVG, "logo.svg", "image/svg+xml", "Dit bestand is geen foto"),
    "svg-named-png": (SVG, "logo.png", "image/png", "Dit bestand is geen foto"),
    "html-named-jpg": (b"<html><script>alert(1)</script></html>", "x.jpg", "image/jpeg", "Dit bestand is geen foto"),
    "decompression-bomb": (None, "bom.png", "image/png", "te veel pixels"),
    "too-many-pixels-for-our-limit": (None, "groot.png", "image/png", "te veel pixels"),
    "gif": (None, "animatie.gif", "image/gif", "wordt niet ondersteund"),
    "truncated-jpeg": (None, "kapot.jpg", "image/jpeg", "kon niet worden gelezen"),
    "empty": (b"", "leeg.jpg", "image/jpeg", None),
}


def _bad_bytes(case):
    data = BAD_UPLOADS[case][0]
    if case == "decompression-bomb":
        return bomb_png()
    if case == "too-many-pixels-for-our-limit":
        return bomb_png(8000, 6000)  # 48 Mpx: under Pillow's own guard, over our 40 Mpx
    if case == "gif":
        buffer = io.BytesIO()
        Image.new("P", (10, 10)).save(buffer, "GIF")
        return buffer.getvalue()
    if case == "truncated-jpeg":
        import os

        buffer = io.BytesIO()
        Image.frombytes("RGB", (200, 150), os.urandom(200 * 150 * 3)).save(buffer, "JPEG")
        data = buffer.getvalue()
        return data[: len(data) // 2]  # the header is whole, half of the pixels are missing
    return data


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_upload_is_refused_in_dutch_and_stores_nothing(app, parent_client, case):
    parent, client = parent_client
    _, filename, content_type, message = BAD_UPLOADS[case]
    response = upload(client, _bad_bytes(case), filename, content_type)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    if message:
        assert message in html
    elif case == "empty":
        # An empty file part: the browser sends no file at all.
        assert "Kies een bestand" in html or "leeg" in html
    assert 'role="alert"' in html
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0
    db.session.expire_all()
    assert db.session.get(User, parent.id).photo_id is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_too_large_file_is_refused_before_decoding(app, parent_client):
    app.config["MAX_IMAGE_BYTES"] = 200 * 1024
    parent, client = parent_client
    data = noisy_png(400)
    assert len(data) > 200 * 1024
    response = upload(client, data, "groot.png", "image/png")
    assert response.status_code == 422
    assert "De foto is te groot. Het maximum is 200 kB." in response.get_data(as_text=True)
    assert stored_files(app) == []
    assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0


def test_size_text_reads_well():
    assert size_text(10 * 1024 * 1024) == "10 MB"
    assert size_text(1536 * 1024) == "1,5 MB"
    assert size_text(200 * 1024) == "200 kB"


def test_default_limit_is_ten_megabytes(app):
    assert app.config["MAX_IMAGE_BYTES"] == 10 * 1024 * 1024


# --- accepted uploads -----------------------------------------------------------------------

def test_jpeg_with_gps_is_stored_without_any_metadata(app, parent_client):
    parent, client = parent_client
    original = jpeg_bytes(size=(640, 480), exif=gps_exif(), comment=b"geheim commentaar")
    assert b"PhoneMaker" in original and b"geheim" in original  # the test image really has them
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    response = upload(client, original, "IMG_0001.JPG")
    assert response.status_code == 302

    db.session.expire_all()
    user = db.session.get(User, parent.id)
    image = db.session.get(StoredImage, user.photo_id)
    assert (image.purpose, image.mime_type, image.extension) == ("profile", "image/jpeg", "jpg")
    for thumb in (False, True):
        stored = image_object(image, thumb).read_bytes()
        assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"geheim" not in stored
        opened = Image.open(io.BytesIO(stored))
        assert opened.format == "JPEG"
        assert not opened.getexif()
        assert not opened.getexif().get_ifd(GPS_IFD)
        assert "exif" not in opened.info and "comment" not in opened.info
    assert Image.open(io.BytesIO(image_object(image, thumb=True).read_bytes())).size == (480, 360)
    # The stored name is random, not the uploaded one.
    assert "IMG_0001" not in image.filename
    # The change is in the audit log, without values.
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.subject_type, entry.subject_id, entry.action, entry.fields) == ("user", parent.id, "foto", ["photo"])


def test_exif_orientation_is_applied_before_the_metadata_goes(app):
    # Orientation 6: the camera was turned; the stored photo is upright (portrait).
    data = jpeg_bytes(size=(300, 200), exif=gps_exif(orientation=6))
    with app.test_request_context():
        image = save_image(FileStorage(io.BytesIO(data), filename="x.jpg"), "profile")
        db.session.commit()
        assert (image.width, image.height) == (200, 300)
        assert not Image.open(io.BytesIO(image_object(image).read_bytes())).getexif()


def test_png_text_chunks_are_dropped_and_transparency_kept(app):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "adres: Schutkampenweg 1")
    data = png_bytes(pnginfo=info)
    assert b"Schutkampenweg" in data
    with app.test_request_context():
        image = save_image(FileStorage(io.BytesIO(data), filename="x.png", content_type="text/plain"), "child")
        db.session.commit()
        stored = image_object(image).read_bytes()
    assert b"Schutkampenweg" not in stored
    assert Image.open(io.BytesIO(stored)).mode == "RGBA"
    assert image.mime_type == "image/png"


def test_real_photo_with_a_wrong_name_and_type_is_judged_by_content(app, parent_client):
    parent, client = parent_client
    response = upload(client, png_bytes(), "document.txt", "text/plain")
    assert response.status_code == 302
    image = db.session.scalars(select(StoredImage)).one()
    assert (image.extension, image.mime_type) == ("png", "image/png")


def test_webp_is_accepted(app, parent_client):
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), (10, 200, 10)).save(buffer, "WEBP")
    parent, client = parent_client
    assert upload(client, buffer.getvalue(), "x.webp", "image/webp").status_code == 302
    assert db.session.scalars(select(StoredImage)).one().mime_type == "image/webp"


def test_phone_camera_mpo_jpeg_is_accepted_as_jpeg(app):
    """Many phones write JPEGs with a second (preview) frame; Pillow calls them MPO."""
    buffer = io.BytesIO()
    first = Image.new("RGB", (120, 90), (200, 0, 0))
    first.save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (120, 90), (0, 0, 200))],
               exif=gps_exif().tobytes())
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    with app.test_request_context():
        image = save_image(FileStorage(io.BytesIO(data), filename="IMG.JPG"), "profile")
        db.session.commit()
        stored = Image.open(io.BytesIO(image_object(image).read_bytes()))
        assert stored.format == "JPEG" and image.mime_type == "image/jpeg"
        assert not stored.getexif()
        assert stored.getpixel((5, 5))[0] > 150  # the first frame


def test_replacing_a_photo_removes_the_old_files(app, parent_client):
    parent, client = parent_client
    upload(client, jpeg_bytes(color=(1, 2, 3)))
    first = stored_files(app)
    assert len(first) == 2  # the photo and its thumbnail
    upload(client, jpeg_bytes(color=(200, 2, 3)))
    second = stored_files(app)
    assert len(second) == 2 and not set(first) & set(second)
    assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 1


def test_upload_errors_are_upload_errors(app):
    with app.test_request_context():
        with pytest.raises(UploadError) as error:
            save_image(FileStorage(io.BytesIO(b"nope"), filename="a.jpg"), "profile")
    assert "geen foto" in str(error.value)
