"""Fotoalbums for parents (and staff): album list, album grid, photo page, images, and
"Foto's van mijn kind".

Every image and thumbnail is served here, after the album's access check: a parent of
another group gets a 404, exactly as for an album that does not exist. A photo hidden by
consent (a marked pupil without albums consent, app/privacy/consent.py) is a 404 too, and
album images are served with `Cache-Control: private, no-cache`: the browser asks again
before using its copy (a cheap 304), so a withdrawn photo is gone from its cache as well.
"""
from flask import abort
from flask_login import current_user, login_required

from app.access import child_for, children_of, item_for
from app.albums import bp, services
from app.htmx import render_page
from app.images import send_image
from app.models import Album
from app.pagination import page_number


@bp.get("")
@login_required
def index():
    listing = services.albums_for(current_user, page_number())
    own_children = [child for child, _ in children_of(current_user)] if current_user.is_parent else []
    return render_page("albums/index.html", listing=listing, own_children=own_children)


@bp.get("/<int:album_id>")
@login_required
def show(album_id):
    album = item_for(current_user, Album, album_id)
    return render_page("albums/show.html", album=album, photos=services.photos_of(album, current_user))


@bp.get("/kind/<int:child_id>")
@login_required
def child_photos(child_id):
    child = child_for(current_user, child_id)
    listing = services.photos_of_child(current_user, child, page_number())
    return render_page("albums/child.html", child=child, listing=listing)


def _photo(album_id, photo_id):
    album = item_for(current_user, Album, album_id)
    photo = services.photo_in(album, photo_id, current_user)
    if photo is None:
        abort(404)
    return album, photo


@bp.get("/<int:album_id>/foto/<int:photo_id>")
@login_required
def photo(album_id, photo_id):
    album, photo = _photo(album_id, photo_id)
    previous_id, next_id, number, total = services.neighbours(album, photo, current_user)
    return render_page("albums/photo.html", album=album, photo=photo, previous_id=previous_id,
                       next_id=next_id, number=number, total=total)


@bp.get("/<int:album_id>/foto/<int:photo_id>/afbeelding")
@login_required
def image(album_id, photo_id):
    _, photo = _photo(album_id, photo_id)
    return send_image(photo.image, revalidate=True)


@bp.get("/<int:album_id>/foto/<int:photo_id>/miniatuur")
@login_required
def thumbnail(album_id, photo_id):
    _, photo = _photo(album_id, photo_id)
    return send_image(photo.image, thumb=True, revalidate=True)
