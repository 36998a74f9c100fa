"""Beheer > Notities: teachers write notes for the pupils of their groups, the office for
every pupil. The child's parents read them under Mijn kinderen > Notities."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from app.access import note_for_staff, staff_required
from app.children import services, staff_bp
from app.children.forms import NoteEditForm, NoteForm
from app.forms import ConfirmForm
from app.htmx import render_page
from app.request_input import db_int


@staff_bp.route("/", methods=["GET", "POST"])
@staff_required
def index():
    pupils = services.children_for_staff(current_user)
    allowed = {child_id for _, children in pupils for child_id, _ in children}
    selected = request.args.get("leerling", type=db_int)
    if selected not in allowed:
        selected = None
    form = NoteForm(pupils=pupils)
    if request.method == "GET" and selected:
        form.child_id.data = selected
    if form.validate_on_submit():
        services.add_note(current_user, form.child_id.data, form.body.data)
        flash("De notitie is opgeslagen. De ouders van de leerling kunnen haar lezen.", "success")
        return redirect(url_for("staff_notes.index", leerling=form.child_id.data))
    notes = services.staff_notes(current_user, child_id=selected)
    return render_page("children/staff_notes.html", form=form, pupils=pupils, notes=notes,
                       selected=selected, remove_form=ConfirmForm(formdata=None),
                       status=422 if form.errors else 200)


@staff_bp.route("/<int:note_id>/wijzigen", methods=["GET", "POST"])
@staff_required
def edit(note_id):
    note = note_for_staff(current_user, note_id)
    form = NoteEditForm(obj=note)
    if form.validate_on_submit():
        services.update_note(current_user, note, form.body.data)
        flash("De notitie is opgeslagen.", "success")
        return redirect(url_for("staff_notes.index", leerling=note.child_id))
    return render_page("children/staff_note_edit.html", form=form, note=note,
                       status=422 if form.errors else 200)


@staff_bp.post("/<int:note_id>/verwijderen")
@staff_required
def delete(note_id):
    note = note_for_staff(current_user, note_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    child_id = note.child_id
    services.delete_note(current_user, note)
    flash("De notitie is verwijderd.", "success")
    return redirect(url_for("staff_notes.index", leerling=child_id))
