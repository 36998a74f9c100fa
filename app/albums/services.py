"""Fotoalbums: queries and actions. Each action owns its transaction.

Consent is enforced here: every query a parent's page makes takes `viewer` and applies
app/privacy/consent.hidden_photo_clause (a photo with a marked pupil without albums consent
is seen only by staff and that pupil's own parents). Staff see every photo.

Uploads are all or nothing: every file goes through app/images.save_image (checked by
content, size-limited, re-encoded without metadata, thumbnailed); when one file is refused,
the objects already written are removed (the rollback takes them, app/storage/transaction.py)
and nothing is stored, and the staff member gets the list of refused files with the reason
for each. When the store itself is away, the upload stops at the first file with that message.
"""

from sqlalchemy import exists, func, select, true
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.access import managed_clause, visible_clause
from app.albums import tags
from app.audience import apply_audience, resolve_audience
from app.extensions import db
from app.images import UploadError, delete_image, save_image
from app.models import Album, AlbumPhoto, PhotoTag
from app.notifications.services import record_event
from app.pagination import Page, clamp_page
from app.privacy.consent import hidden_photo_clause
from app.storage import StorageError

PER_PAGE = 24
MAX_FILES = 100


class PhotoUploadError(Exception):
    """Refused photos: `problems` is [(file name, Dutch reason)]."""

    def __init__(self, problems):
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems))
        self.problems = problems


def _photo_clause(viewer):
    """The photos `viewer` may see (None: every photo, for Beheer's own work)."""
    return true() if viewer is None else hidden_photo_clause(viewer)


def _photo_count(visible):
    return (select(func.count(AlbumPhoto.id)).where(AlbumPhoto.album_id == Album.id, visible)
            .correlate(Album).scalar_subquery())


def _cover_photo_id(visible):
    return (select(AlbumPhoto.id).where(AlbumPhoto.album_id == Album.id, visible)
            .order_by(AlbumPhoto.position, AlbumPhoto.id).limit(1)
            .correlate(Album).scalar_subquery())


def _album_page(clause, page, viewer):
    """[(album, photo count, cover photo id)] for one page, newest first, in three queries
    (plus the consent rules, read once). Count and cover are of the photos `viewer` sees."""
    total = db.session.scalar(select(func.count(Album.id)).where(clause)) or 0
    page, pages = clamp_page(page, total, PER_PAGE)
    visible = _photo_clause(viewer)
    rows = db.session.execute(
        select(Album, _photo_count(visible).label("photos"), _cover_photo_id(visible).label("cover"))
        .where(clause)
        .options(selectinload(Album.groups))
        .order_by(Album.created_at.desc(), Album.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(items=[(album, count, cover) for album, count, cover in rows], page=page, pages=pages, total=total)


def albums_for(user, page=1):
    return _album_page(visible_clause(user, Album), page, user)


def managed_albums(user, page=1):
    return _album_page(managed_clause(user, Album), page, user)


def photos_of(album, viewer):
    """The album's photos `viewer` may see (None: all) with their image rows, in one query
    (a join: selectinload would split a large album into batches of 500)."""
    return db.session.scalars(
        select(AlbumPhoto).where(AlbumPhoto.album_id == album.id, _photo_clause(viewer))
        .options(joinedload(AlbumPhoto.image, innerjoin=True))
        .order_by(AlbumPhoto.position, AlbumPhoto.id)
    ).all()


def photo_in(album, photo_id, viewer):
    """A photo of this (already access-checked) album that `viewer` may see, or None."""
    return db.session.scalar(
        select(AlbumPhoto).where(AlbumPhoto.id == photo_id, AlbumPhoto.album_id == album.id,
                                 _photo_clause(viewer))
        .options(selectinload(AlbumPhoto.image))
    )


def neighbours(album, photo, viewer):
    """(previous photo id, next photo id, number, total) among the album's photos `viewer` sees."""
    ids = list(db.session.scalars(
        select(AlbumPhoto.id).where(AlbumPhoto.album_id == album.id, _photo_clause(viewer))
        .order_by(AlbumPhoto.position, AlbumPhoto.id)
    ))
    index = ids.index(photo.id)
    previous_id = ids[index - 1] if index > 0 else None
    next_id = ids[index + 1] if index + 1 < len(ids) else None
    return previous_id, next_id, index + 1, len(ids)


def photos_of_child(viewer, child, page=1):
    """A page of the photos in which `child` is marked, in the albums `viewer` may read and
    only those `viewer` may see (as in the album grid), newest album first."""
    clause = (visible_clause(viewer, Album), _photo_clause(viewer),
              exists().where(PhotoTag.photo_id == AlbumPhoto.id, PhotoTag.child_id == child.id))
    total = db.session.scalar(
        select(func.count(AlbumPhoto.id)).join(Album, Album.id == AlbumPhoto.album_id).where(*clause)) or 0
    page, pages = clamp_page(page, total, PER_PAGE)
    photos = db.session.scalars(
        select(AlbumPhoto).join(Album, Album.id == AlbumPhoto.album_id).where(*clause)
        .options(contains_eager(AlbumPhoto.album), joinedload(AlbumPhoto.image, innerjoin=True))
        .order_by(Album.created_at.desc(), Album.id.desc(), AlbumPhoto.position, AlbumPhoto.id)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(items=photos, page=page, pages=pages, total=total)


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
        except StorageError as error:  # no use trying the other files
            db.session.rollback()
            raise PhotoUploadError([("", str(error))]) from None
        except UploadError as error:
            problems.append((_display_name(file_storage), str(error)))
    if problems:
        db.session.rollback()  # the written objects go with it
        raise PhotoUploadError(problems)
    return stored


def _next_position(album):
    highest = db.session.scalar(select(func.max(AlbumPhoto.position)).where(AlbumPhoto.album_id == album.id))
    return (highest or 0) + 1


def create_album(author, *, title, description, event_date, school_wide, group_ids, files, child_ids=()):
    """Create an album with its photos and record the notice (one event, once); the pupils
    `child_ids` (of the album's groups) are marked on every photo.

    Raises AudienceError or TagRefused (both checked before any file is written) or
    PhotoUploadError.
    """
    album = Album(title=title.strip(), description=(description or "").strip(), event_date=event_date,
                  author_id=author.id)
    apply_audience(album, author, school_wide, group_ids)
    allowed = {child.id for child in tags.pupils_in([group.id for group in album.groups], album.school_wide)}
    child_ids = tags.check_pupils(allowed, child_ids, required=False)
    images = _store_photos(files, author)
    try:
        album.photos = [AlbumPhoto(image=image, position=index) for index, image in enumerate(images, 1)]
        db.session.add(album)
        db.session.flush()
        tags.add_tags(author, [photo.id for photo in album.photos], child_ids)
        record_event("album", "album", album.id, author)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the written objects go with it
        raise
    return album


def add_photos(user, album, files, child_ids=()):
    """Add photos to an existing album, marking `child_ids` on each (raises TagRefused
    before any file is written). Not mailed again: the album was announced."""
    child_ids = tags.check_pupils({child.id for child in tags.album_pupils(album)}, child_ids, required=False)
    images = _store_photos(files, user)
    try:
        position = _next_position(album)
        photos = [AlbumPhoto(album_id=album.id, image=image, position=position + offset)
                  for offset, image in enumerate(images)]
        db.session.add_all(photos)
        db.session.flush()
        tags.add_tags(user, [photo.id for photo in photos], child_ids)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the written objects go with it
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


def delete_photo(photo):
    image = photo.image
    db.session.delete(photo)
    delete_image(image)  # the objects go after the commit: a failed commit leaves the photo whole
    db.session.commit()


def delete_album(album):
    photos = photos_of(album, None)  # every photo, whoever may see it
    for photo in photos:
        delete_image(photo.image)
    db.session.delete(album)
    db.session.commit()
