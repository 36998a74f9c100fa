"""Image uploads: checked by content, size-limited, re-encoded without metadata, thumbnailed.

Used for profile photos, pupil photos, album photos and news images; images uploaded as
documents are cleaned by the same code (`strip_metadata`). Files are written
under UPLOAD_DIR (never under static/) with random names; a route that checks access
serves them through `send_image`.
"""
import io
import secrets
import warnings
from pathlib import Path

from flask import current_app, send_file
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from app.extensions import db
from app.models import StoredImage

# Content type by what Pillow finds in the bytes, never by file name or Content-Type.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
# Phone cameras write JPEGs with extra preview frames ("MPO"); Pillow names them apart.
# They are JPEGs to the user and are stored as plain (first-frame) JPEGs.
FORMAT_ALIASES = {"MPO": "JPEG"}
TOO_MANY_PIXELS = "Deze foto heeft te veel pixels. Verklein de foto en probeer het opnieuw."
ImageFile.LOAD_TRUNCATED_IMAGES = False


class UploadError(ValueError):
    """A refused upload; str(error) is the Dutch message for the user."""


def upload_root(folder="images"):
    path = Path(current_app.config["UPLOAD_DIR"]) / folder
    path.mkdir(parents=True, exist_ok=True)
    return path


def size_text(limit):
    """A byte limit for people: "10 MB", "1,5 MB", "200 kB"."""
    if limit >= 1024 * 1024:
        value = f"{limit / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{value} MB"
    return f"{max(1, round(limit / 1024))} kB"


def read_limited(file_storage, limit, too_large_message):
    """Read an upload, refusing it as soon as it passes `limit` bytes."""
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise UploadError("Kies een bestand om te uploaden.")
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(too_large_message)
    if not data:
        raise UploadError("Het gekozen bestand is leeg.")
    return data


def _open_checked(data):
    """Open the bytes as an image; returns (image, format) or raises UploadError."""
    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            # Pillow's own guard (a header claiming a gigantic size): the same answer as ours.
            raise UploadError(TOO_MANY_PIXELS) from None
        except (UnidentifiedImageError, OSError):
            raise UploadError("Dit bestand is geen foto. Upload een JPEG-, PNG- of WebP-afbeelding.") from None
        fmt = FORMAT_ALIASES.get(image.format, image.format)
        if fmt not in FORMATS:
            raise UploadError("Dit bestandstype wordt niet ondersteund. Upload een JPEG-, PNG- of WebP-afbeelding.")
        width, height = image.size
        if width * height > max_pixels or width > 20000 or height > 20000:
            raise UploadError(TOO_MANY_PIXELS)
        try:
            image.load()
        except Exception:  # noqa: BLE001 — any decoder failure means: not a usable image
            raise UploadError("Deze foto kon niet worden gelezen. Is het bestand beschadigd?") from None
    return image, fmt


def _normalise(image, fmt):
    # Apply the EXIF orientation, then drop every bit of metadata (EXIF, GPS, comments).
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 — broken EXIF: keep the pixels as they are
        pass
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _save(image, path, fmt):
    options = {"JPEG": {"quality": 85, "optimize": True, "progressive": True},
               "PNG": {"optimize": True},
               "WEBP": {"quality": 82}}[fmt]
    image.save(path, fmt, **options)


def _clean(data):
    """(image, format): the bytes checked as an image (format, pixels, decodable), turned
    upright and without any metadata. Every image a user uploads goes through here."""
    image, fmt = _open_checked(data)
    return _normalise(image, fmt), fmt


def strip_metadata(data):
    """An uploaded image re-encoded at full size without EXIF, GPS or comments, for files
    kept as they are otherwise (documents). Returns (bytes, extension, mime type); raises
    UploadError."""
    image, fmt = _clean(data)
    out = io.BytesIO()
    _save(image, out, fmt)
    extension, mime = FORMATS[fmt]
    return out.getvalue(), extension, mime


def save_image(file_storage, purpose, uploaded_by=None, max_side=2000, thumb_side=480):
    """Validate and store an uploaded image; returns the StoredImage (caller commits).

    Raises UploadError with a Dutch message; nothing is stored then.
    """
    limit = current_app.config["MAX_IMAGE_BYTES"]
    data = read_limited(file_storage, limit, f"De foto is te groot. Het maximum is {size_text(limit)}.")
    image, fmt = _clean(data)
    extension, mime = FORMATS[fmt]
    image.thumbnail((max_side, max_side))
    thumb = image.copy()
    thumb.thumbnail((thumb_side, thumb_side))

    stem = secrets.token_hex(16)
    root = upload_root()
    full_path = root / f"{stem}.{extension}"
    thumb_path = root / f"{stem}_thumb.{extension}"
    try:
        _save(image, full_path, fmt)
        _save(thumb, thumb_path, fmt)
    except Exception:
        full_path.unlink(missing_ok=True)
        thumb_path.unlink(missing_ok=True)
        raise
    stored = StoredImage(
        purpose=purpose, stem=stem, extension=extension, mime_type=mime,
        width=image.width, height=image.height, size_bytes=full_path.stat().st_size,
        uploaded_by_id=getattr(uploaded_by, "id", None),
    )
    db.session.add(stored)
    return stored


def image_path(image, thumb=False):
    return upload_root() / (image.thumb_filename if thumb else image.filename)


def delete_image(image):
    """Remove the files and the row (caller commits)."""
    for thumb in (False, True):
        image_path(image, thumb).unlink(missing_ok=True)
    db.session.delete(image)


def send_image(image, thumb=False, revalidate=False):
    """Serve a stored image. Call only after the route has checked access.

    With `revalidate` the browser keeps the image but asks again before every use (an
    ETag: a 304 costs nothing): for images whose access can end at any moment, such as an
    album photo hidden when a parent withdraws consent."""
    response = send_file(image_path(image, thumb), mimetype=image.mime_type,
                         max_age=None if revalidate else 3600, conditional=True, etag=True)
    # Personal images: the browser may cache them, shared caches may not.
    response.headers["Cache-Control"] = "private, no-cache" if revalidate else "private, max-age=3600"
    response.headers["Content-Disposition"] = "inline"
    return response
