"""Fotoalbums in Beheer: create an album with many photos at once, add and remove photos,
mark the pupils in them (on upload, for a batch of photos, or one photo at a time).

From a phone, static/js/uploads.js sends the album's details first (`fotos_los`: the album
is made without photos) and then each photo on its own request to `add_photo`, which
answers JSON; without JavaScript the form sends all photos at once. Either way a refused
file refuses only itself."""
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from app.access import managed_item_for, staff_required, taught_group_ids
from app.albums import services, staff_bp, tags
from app.albums.forms import AlbumDetailsForm, AlbumForm, PhotosForm, PhotoTagsForm, TagBatchForm
from app.audience import prepare_audience, save_audience_form
from app.formatting import count_nl
from app.htmx import htmx_redirect, is_htmx, render_page
from app.models import Album
from app.pagination import page_number


def photos_added(count):
    """ "1 foto toegevoegd", "10 foto's toegevoegd"."""
    return f"{count_nl(count, 'foto')} toegevoegd"


def _flash_refused(problems):
    if problems:
        flash("Niet toegevoegd: " + "; ".join(f"{name} ({reason})" for name, reason in problems), "error")


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
    photos_follow = request.form.get("fotos_los") == "1"
    # No photo is written unless the form and its audience both pass.
    try:
        created = save_audience_form(form, current_user, lambda **audience: services.create_album(
            current_user, title=form.title.data, description=form.description.data,
            event_date=form.event_date.data, files=request.files.getlist(form.photos.name),
            child_ids=form.children.data, photos_follow=photos_follow, **audience),
            field_errors={tags.TagRefused: form.children})
    except services.PhotoUploadError as error:
        problems = error.problems
    else:
        if created is not None:
            album, refused = created
            if photos_follow:  # the photos come one by one (static/js/uploads.js)
                return jsonify(upload_url=url_for("staff_albums.add_photo", album_id=album.id),
                               album_url=url_for("staff_albums.show", album_id=album.id)), 201
            flash(f"Het album is aangemaakt: {photos_added(len(album.photos))}. Ouders krijgen er bericht van.",
                  "success")
            _flash_refused(refused)
            return redirect(url_for("staff_albums.show", album_id=album.id))
    status = 422 if form.is_submitted() else 200
    pupils = tags.pupils_in(taught_group_ids(current_user))
    return render_page("albums/staff_form.html", form=form, album=None, problems=problems, status=status,
                       pupils=pupils, missing=tags.without_consent(pupils))


def _show(album, form, problems, status=200):
    pupils = tags.album_pupils(album)
    photos = services.photos_of(album, current_user)
    return render_page("albums/staff_show.html", album=album, photos=photos, form=form, problems=problems,
                       pupils=pupils, missing=tags.without_consent(pupils),
                       marked=tags.tags_by_photo([photo.id for photo in photos]), status=status)


@staff_bp.get("/<int:album_id>")
@staff_required
def show(album_id):
    album = managed_item_for(current_user, Album, album_id)
    return _show(album, PhotosForm(), [])


@staff_bp.post("/<int:album_id>/fotos")
@staff_required
def add_photos(album_id):
    album = managed_item_for(current_user, Album, album_id)
    form = PhotosForm()
    problems = []
    if form.validate_on_submit():
        try:
            added, refused = services.add_photos(current_user, album, request.files.getlist(form.photos.name),
                                                 child_ids=form.children.data)
        except services.PhotoUploadError as error:
            problems = error.problems
        except tags.TagRefused as error:
            form.children.errors = [str(error)]
        else:
            flash(f"{photos_added(added)}.", "success")
            _flash_refused(refused)
            return redirect(url_for("staff_albums.show", album_id=album.id))
    album = managed_item_for(current_user, Album, album_id)  # reloaded after a rollback
    return _show(album, form, problems, status=422)


@staff_bp.post("/<int:album_id>/foto")
@staff_required
def add_photo(album_id):
    """One photo of an upload sent file by file: JSON with the file's name, and the reason
    when it is refused (422; 503 when the store is away). Access and CSRF as for any form."""
    album = managed_item_for(current_user, Album, album_id)
    form = PhotosForm()
    if not form.validate_on_submit():
        return jsonify(error="Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens."), 400
    file_storage = request.files.get("photo")
    try:
        name = services.add_photo(current_user, album, file_storage, child_ids=form.children.data)
    except services.PhotoUploadError as error:
        name, reason = error.problems[0]
        status = 503 if error.unavailable else 422
        return jsonify(name=name or services.display_name(file_storage), error=reason), status
    except tags.TagRefused as error:
        return jsonify(name=services.display_name(file_storage), error=str(error)), 422
    return jsonify(name=name), 201


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


def _managed_photo(album_id, photo_id):
    """A photo of an album this staff member manages, with its album, or 404."""
    album = managed_item_for(current_user, Album, album_id)
    photo = services.photo_in(album, photo_id, current_user)
    if photo is None:
        abort(404)
    return album, photo


@staff_bp.post("/<int:album_id>/foto/<int:photo_id>/verwijderen")
@staff_required
def delete_photo(album_id, photo_id):
    album, photo = _managed_photo(album_id, photo_id)
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


# --- marking pupils -----------------------------------------------------------------------

def _tagging(album, form, status=200, message=None, selected=()):
    pupils = tags.album_pupils(album)
    photos = services.photos_of(album, current_user)
    return render_page("albums/staff_tags.html", "albums/_tagging.html", album=album, form=form,
                       photos=photos, pupils=pupils, missing=tags.without_consent(pupils),
                       marked=tags.tags_by_photo([photo.id for photo in photos]), status=status,
                       message=message, selected=set(selected))


@staff_bp.get("/<int:album_id>/markeren")
@staff_required
def tagging(album_id):
    album = managed_item_for(current_user, Album, album_id)
    return _tagging(album, TagBatchForm(formdata=None))


@staff_bp.post("/<int:album_id>/markeren")
@staff_required
def tag_batch(album_id):
    album = managed_item_for(current_user, Album, album_id)
    form = TagBatchForm()
    if form.validate():
        try:
            if form.action.data == "markeren":
                count = tags.mark(current_user, album, form.photos.data, form.children.data)
                message = f"{count_nl(count, 'markering')} toegevoegd."
            else:
                count = tags.unmark(current_user, album, form.photos.data, form.children.data)
                message = f"{count_nl(count, 'markering')} weggehaald."
        except tags.TagRefused as error:
            form.form_errors.append(str(error))
        else:
            if not is_htmx():
                flash(message, "success")
                return redirect(url_for("staff_albums.tagging", album_id=album.id))
            return _tagging(album, TagBatchForm(formdata=None), message=message, selected=form.photos.data)
    return _tagging(album, form, status=422, selected=form.photos.data or [])


@staff_bp.route("/<int:album_id>/foto/<int:photo_id>/markeringen", methods=["GET", "POST"])
@staff_required
def photo_tags(album_id, photo_id):
    album, photo = _managed_photo(album_id, photo_id)
    marked = tags.tags_by_photo([photo.id])[photo.id]
    form = PhotoTagsForm(data={"children": [child.id for child in marked]})
    if form.validate_on_submit():
        try:
            tags.set_photo_tags(current_user, album, photo.id, form.children.data)
        except tags.TagRefused as error:
            form.form_errors.append(str(error))
        else:
            flash("De markering van de foto is opgeslagen.", "success")
            target = url_for("staff_albums.tagging", album_id=album.id, _anchor=f"foto-{photo.id}")
            return htmx_redirect(target) if is_htmx() else redirect(target)
    pupils = tags.album_pupils(album)
    extra = [child for child in marked if child.id not in {pupil.id for pupil in pupils}]
    status = 422 if form.is_submitted() else 200
    return render_page("albums/staff_photo_tags.html", album=album, photo=photo, form=form,
                       pupils=pupils + extra, missing=set(tags.without_consent(pupils + extra)), status=status)
