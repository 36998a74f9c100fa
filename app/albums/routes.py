"""Fotoalbums for parents (and staff): album list, album grid, photo page, images.

Every image and thumbnail is served here, after the album's access check: a parent of
another group gets a 404, exactly as for an album that does not exist.
"""
from flask import abort
from flask_login import current_user, login_required

from app.access import item_for
from app.albums import bp, services
from app.htmx import render_page
from app.models import Album
from app.pagecache import cached_page
from app.pagination import page_number
from app.storage import send_image


@bp.get("")
@cached_page
@login_required
def index():
    listing = services.albums_for(current_user, page_number())
    return render_page("albums/index.html", listing=listing)


@bp.get("/<int:album_id>")
@cached_page
@login_required
def show(album_id):
    album = item_for(current_user, Album, album_id)
    return render_page("albums/show.html", album=album, photos=services.photos_of(album))


def _photo(album_id, photo_id):
    album = item_for(current_user, Album, album_id)
    photo = services.photo_in(album, photo_id)
    if photo is None:
        abort(404)
    return album, photo


@bp.get("/<int:album_id>/foto/<int:photo_id>")
@login_required
def photo(album_id, photo_id):
    album, photo = _photo(album_id, photo_id)
    previous_id, next_id, number, total = services.neighbours(album, photo)
    return render_page("albums/photo.html", album=album, photo=photo, previous_id=previous_id,
                       next_id=next_id, number=number, total=total)


@bp.get("/<int:album_id>/foto/<int:photo_id>/afbeelding")
@login_required
def image(album_id, photo_id):
    _, photo = _photo(album_id, photo_id)
    return send_image(photo.image)


@bp.get("/<int:album_id>/foto/<int:photo_id>/miniatuur")
@login_required
def thumbnail(album_id, photo_id):
    _, photo = _photo(album_id, photo_id)
    return send_image(photo.image, thumb=True)
