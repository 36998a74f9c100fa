"""Fotoalbums in Beheer: create an album with many photos at once, add and remove photos."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from app.access import managed_item_for, staff_required
from app.albums import services, staff_bp
from app.albums.forms import AlbumDetailsForm, AlbumForm, PhotosForm
from app.audience import prepare_audience, save_audience_form
from app.htmx import render_page
from app.models import Album
from app.pagination import page_number


@staff_bp.get("")
@staff_required
def index():
    listing = services.managed_albums(current_user, page_number())
    return render_page("albums/staff_index.html", listing=listing)


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def create():
    form = AlbumForm()
    prepare_audience(form, current_user)
    problems = []
    # No photo is written unless the form and its audience both pass.
    try:
        album = save_audience_form(form, current_user, lambda **audience: services.create_album(
            current_user, title=form.title.data, description=form.description.data,
            event_date=form.event_date.data, files=request.files.getlist(form.photos.name), **audience))
    except services.PhotoUploadError as error:
        problems = error.problems
    else:
        if album is not None:
            flash(f"Het album is aangemaakt met {len(album.photos)} foto's. Ouders krijgen er bericht van.",
                  "success")
            return redirect(url_for("staff_albums.show", album_id=album.id))
    status = 422 if form.is_submitted() else 200
    return render_page("albums/staff_form.html", form=form, album=None, problems=problems, status=status)


@staff_bp.get("/<int:album_id>")
@staff_required
def show(album_id):
    album = managed_item_for(current_user, Album, album_id)
    return render_page("albums/staff_show.html", album=album, photos=services.photos_of(album),
                       form=PhotosForm(), problems=[])


@staff_bp.post("/<int:album_id>/fotos")
@staff_required
def add_photos(album_id):
    album = managed_item_for(current_user, Album, album_id)
    form = PhotosForm()
    problems = []
    if form.validate_on_submit():
        try:
            added = services.add_photos(current_user, album, request.files.getlist(form.photos.name))
        except services.PhotoUploadError as error:
            problems = error.problems
        else:
            flash(f"{added} foto('s) toegevoegd.", "success")
            return redirect(url_for("staff_albums.show", album_id=album.id))
    album = managed_item_for(current_user, Album, album_id)  # reloaded after a rollback
    return render_page("albums/staff_show.html", album=album, photos=services.photos_of(album),
                       form=form, problems=problems, status=422)


@staff_bp.route("/<int:album_id>/wijzigen", methods=["GET", "POST"])
@staff_required
def edit(album_id):
    album = managed_item_for(current_user, Album, album_id)
    form = AlbumDetailsForm(obj=album)
    prepare_audience(form, current_user, album)
    saved = save_audience_form(form, current_user, lambda **audience: services.update_album(
        current_user, album, title=form.title.data, description=form.description.data,
        event_date=form.event_date.data, **audience) or album)
    if saved is not None:
        flash("Het album is gewijzigd.", "success")
        return redirect(url_for("staff_albums.show", album_id=album.id))
    status = 422 if form.is_submitted() else 200
    return render_page("albums/staff_form.html", form=form, album=album, problems=[], status=status)


@staff_bp.post("/<int:album_id>/foto/<int:photo_id>/verwijderen")
@staff_required
def delete_photo(album_id, photo_id):
    album = managed_item_for(current_user, Album, album_id)
    photo = services.photo_in(album, photo_id)
    if photo is None:
        abort(404)
    services.delete_photo(photo)
    flash("De foto is verwijderd.", "success")
    return redirect(url_for("staff_albums.show", album_id=album.id))


@staff_bp.post("/<int:album_id>/verwijderen")
@staff_required
def delete(album_id):
    album = managed_item_for(current_user, Album, album_id)
    services.delete_album(album)
    flash("Het album en de foto's zijn verwijderd.", "success")
    return redirect(url_for("staff_albums.index"))
