"""Image uploads: checked by content, size-limited, re-encoded without metadata, thumbnailed.

Used for profile photos, pupil photos, album photos and news images; images uploaded as
documents are cleaned by the same code (`strip_metadata`). The image and its thumbnail are
stored (app/storage, never under static/) under random keys before their row is
committed; a route that checks access serves them through `send_image`.
"""
import io
import secrets
import warnings

from flask import current_app
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from app.extensions import db
from app.models import StoredImage
# UploadError is defined with StorageError (app/storage/base.py); importers take it from here.
from app.storage import (StorageError, UploadError, delete_after_commit, delete_quietly, discard_unless_committed,
                         get_storage)
from app.storage import image_key as _key

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


def _encode(image, fmt):
    options = {"JPEG": {"quality": 85, "optimize": True, "progressive": True},
               "PNG": {"optimize": True},
               "WEBP": {"quality": 82}}[fmt]
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


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
    extension, mime = FORMATS[fmt]
    return _encode(image, fmt), extension, mime


def save_image(file_storage, purpose, uploaded_by=None, max_side=2000, thumb_side=480):
    """Validate and store an uploaded image; returns the StoredImage (caller commits).

    Raises UploadError with a Dutch message (StorageError when the store is away); nothing
    is stored then. The objects are written now under their final keys; when the caller's
    transaction ends without a commit they are deleted again (app/storage/transaction.py).
    """
    limit = current_app.config["MAX_IMAGE_BYTES"]
    data = read_limited(file_storage, limit, f"De foto is te groot. Het maximum is {size_text(limit)}.")
    image, fmt = _clean(data)
    extension, mime = FORMATS[fmt]
    image.thumbnail((max_side, max_side))
    thumb = image.copy()
    thumb.thumbnail((thumb_side, thumb_side))
    full_bytes, thumb_bytes = _encode(image, fmt), _encode(thumb, fmt)

    stem = secrets.token_hex(16)
    keys = (_key(stem, extension), _key(stem, extension, thumb=True))
    storage = get_storage()
    try:
        storage.put(keys[0], full_bytes, mime)
        storage.put(keys[1], thumb_bytes, mime)
    except StorageError:
        delete_quietly(keys)
        raise
    discard_unless_committed(*keys)
    stored = StoredImage(
        purpose=purpose, stem=stem, extension=extension, mime_type=mime,
        width=image.width, height=image.height, size_bytes=len(full_bytes),
        uploaded_by_id=getattr(uploaded_by, "id", None),
    )
    db.session.add(stored)
    return stored


def image_key(image, thumb=False):
    """The storage key of a StoredImage (or its thumbnail)."""
    return _key(image.stem, image.extension, thumb)


def delete_image(image):
    """Delete the row (caller commits); the objects go once that commit is done."""
    delete_after_commit(image_key(image), image_key(image, thumb=True))
    db.session.delete(image)


def send_image(image, thumb=False, revalidate=False):
    """Serve a stored image. Call only after the route has checked access.

    With `revalidate` the browser keeps the image but asks again before every use (an
    ETag: a 304 costs nothing): for images whose access can end at any moment, such as an
    album photo hidden when a parent withdraws consent. Personal images: the browser may
    cache them, shared caches may not."""
    cache = "private, no-cache" if revalidate else "private, max-age=3600"
    return get_storage().serve(image_key(image, thumb), image.mime_type, inline=True, cache=cache)
