"""Fotoalbums: queries and actions. Each action owns its transaction.

Uploads are all or nothing: every file goes through app/storage.save_image (checked by
content, size-limited, re-encoded without metadata, thumbnailed); when one file is refused,
the files already written are removed and nothing is stored, and the staff member gets the
list of refused files with the reason for each.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.access import managed_clause, visible_clause
from app.audience import apply_audience, resolve_audience
from app.extensions import db
from app.models import Album, AlbumPhoto
from app.notifications.services import record_event
from app.pagination import Page, clamp_page
from app.storage import UploadError, image_path, save_image

PER_PAGE = 24
MAX_FILES = 100


class PhotoUploadError(Exception):
    """Refused photos: `problems` is [(file name, Dutch reason)]."""

    def __init__(self, problems):
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))
        self.problems = problems


def _photo_count():
    return (select(func.count(AlbumPhoto.id)).where(AlbumPhoto.album_id == Album.id)
            .correlate(Album).scalar_subquery())


def _cover_photo_id():
    return (select(AlbumPhoto.id).where(AlbumPhoto.album_id == Album.id)
            .order_by(AlbumPhoto.position, AlbumPhoto.id).limit(1)
            .correlate(Album).scalar_subquery())


def _album_page(clause, page):
    """[(album, photo count, cover photo id)] for one page, newest first, in three queries."""
    total = db.session.scalar(select(func.count(Album.id)).where(clause)) or 0
    page, pages = clamp_page(page, total, PER_PAGE)
    rows = db.session.execute(
        select(Album, _photo_count().label("photos"), _cover_photo_id().label("cover"))
        .where(clause)
        .options(selectinload(Album.groups))
        .order_by(Album.created_at.desc(), Album.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(items=[(album, count, cover) for album, count, cover in rows], page=page, pages=pages, total=total)


def albums_for(user, page=1):
    return _album_page(visible_clause(user, Album), page)


def managed_albums(user, page=1):
    return _album_page(managed_clause(user, Album), page)


def photos_of(album):
    """The album's photos with their image rows, in one query (a join: selectinload would
    split a large album into batches of 500)."""
    return db.session.scalars(
        select(AlbumPhoto).where(AlbumPhoto.album_id == album.id)
        .options(joinedload(AlbumPhoto.image, innerjoin=True))
        .order_by(AlbumPhoto.position, AlbumPhoto.id)
    ).all()


def photo_in(album, photo_id):
    """A photo of this (already access-checked) album, or None."""
    return db.session.scalar(
        select(AlbumPhoto).where(AlbumPhoto.id == photo_id, AlbumPhoto.album_id == album.id)
        .options(selectinload(AlbumPhoto.image))
    )


def neighbours(album, photo):
    """(previous photo id, next photo id, number, total) within the album."""
    ids = list(db.session.scalars(
        select(AlbumPhoto.id).where(AlbumPhoto.album_id == album.id).order_by(AlbumPhoto.position, AlbumPhoto.id)
    ))
    index = ids.index(photo.id)
    previous_id = ids[index - 1] if index > 0 else None
    next_id = ids[index + 1] if index + 1 < len(ids) else None
    return previous_id, next_id, index + 1, len(ids)


def chosen_files(files):
    """The files actually chosen (a browser sends one empty part when none was)."""
    return [f for f in files if f is not None and getattr(f, "filename", "")]


def _display_name(file_storage):
    name = (file_storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name if len(name) <= 80 else name[:77] + "…"


def _store_photos(files, user):
    """Store every file or none; returns the StoredImages (pending in the session)."""
    files = chosen_files(files)
    if not files:
        raise PhotoUploadError([("", "Kies minstens één foto.")])
    if len(files) > MAX_FILES:
        raise PhotoUploadError([("", f"Upload maximaal {MAX_FILES} foto's tegelijk.")])
    stored, problems = [], []
    for file_storage in files:
        try:
            stored.append(save_image(file_storage, purpose="album", uploaded_by=user))
        except UploadError as error:
            problems.append((_display_name(file_storage), str(error)))
    if problems:
        _discard(stored)
        raise PhotoUploadError(problems)
    return stored


def _discard(images):
    """Remove written files of images that will not be stored, and forget the rows."""
    for image in images:
        for thumb in (False, True):
            image_path(image, thumb).unlink(missing_ok=True)
    db.session.rollback()


def _next_position(album):
    highest = db.session.scalar(select(func.max(AlbumPhoto.position)).where(AlbumPhoto.album_id == album.id))
    return (highest or 0) + 1


def create_album(author, *, title, description, event_date, school_wide, group_ids, files):
    """Create an album with its photos and record the notice (one event, once).

    Raises AudienceError (checked before any file is written) or PhotoUploadError.
    """
    album = Album(title=title.strip(), description=(description or "").strip(), event_date=event_date,
                  author_id=author.id)
    apply_audience(album, author, school_wide, group_ids)
    images = _store_photos(files, author)
    try:
        album.photos = [AlbumPhoto(image=image, position=index) for index, image in enumerate(images, 1)]
        db.session.add(album)
        db.session.flush()
        record_event("album", "album", album.id, author)
        db.session.commit()
    except Exception:
        _discard(images)
        raise
    return album


def add_photos(user, album, files):
    """Add photos to an existing album. Not mailed again: the album was announced."""
    images = _store_photos(files, user)
    try:
        position = _next_position(album)
        for offset, image in enumerate(images):
            db.session.add(AlbumPhoto(album_id=album.id, image=image, position=position + offset))
        db.session.commit()
    except Exception:
        _discard(images)
        raise
    return len(images)


def update_album(user, album, *, title, description, event_date, school_wide, group_ids):
    """Change an album's details (the audience is checked again; raises AudienceError)."""
    groups = resolve_audience(user, bool(school_wide), list(group_ids or []))
    album.title = title.strip()
    album.description = (description or "").strip()
    album.event_date = event_date
    album.school_wide = bool(school_wide)
    album.groups = groups
    db.session.commit()


def _delete_files(paths):
    for path in paths:
        path.unlink(missing_ok=True)


def delete_photo(photo):
    image = photo.image
    paths = [image_path(image), image_path(image, thumb=True)]
    db.session.delete(photo)
    db.session.delete(image)
    db.session.commit()
    _delete_files(paths)  # after the commit: a failed commit leaves the photo whole


def delete_album(album):
    photos = photos_of(album)
    paths = [path for photo in photos for path in (image_path(photo.image), image_path(photo.image, thumb=True))]
    for photo in photos:
        db.session.delete(photo.image)
    db.session.delete(album)
    db.session.commit()
    _delete_files(paths)
