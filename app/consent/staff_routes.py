"""Beheer › Toestemming: per group who has consent for what (page, printout, CSV); the yearly
request; the purposes (office only). Views are thin: app/consent/overview.py and purposes.py."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import admin_required, staff_required
from app.consent import overview, purposes, staff_bp
from app.consent.requests import start_yearly_request
from app.consent.staff_forms import (
    AskedYearsForm, NewPurposeForm, PurposeForm, asked_by_purpose, asked_choices, year_choices,
)
from app.csv_export import csv_download
from app.extensions import db
from app.forms import ConfirmForm
from app.models import ConsentPurpose
from app.privacy.consent import ConsentRefused
from app.request_input import db_int


# --- the overview per group ------------------------------------------------------------------

@staff_bp.get("")
@staff_required
def index():
    groups = overview.groups_for(current_user)
    group = overview.group_for(current_user, groups, request.args.get("groep", type=db_int))
    data = overview.overview(group) if group else None
    status = overview.request_status() if current_user.is_admin else None
    return render_template("consent/staff_index.html", groups=groups, group=group, data=data,
                           request_status=status, confirm_form=ConfirmForm(formdata=None))


@staff_bp.get("/groep/<int:group_id>.csv")
@staff_required
def export_csv(group_id):
    group = overview.group_for(current_user, overview.groups_for(current_user), group_id)
    data = overview.overview(group)
    header, rows = overview.csv_rows(data)
    filename = f"toestemming-groep-{group.name.replace('/', '-')}-{data.year}.csv"
    return csv_download(filename, header, rows)


# --- the yearly request ----------------------------------------------------------------------

@staff_bp.post("/vragen")
@admin_required
def start_request():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sent = start_yearly_request(current_user)
    except ConsentRefused as exc:
        flash(str(exc), "error")
    else:
        flash(f"De ouders krijgen het verzoek om toestemming voor schooljaar {sent.school_year}. "
              "Wie over twee weken nog niet heeft geantwoord, krijgt een herinnering.", "success")
    return redirect(url_for("staff_consent.index"))


# --- the purposes (office only) ----------------------------------------------------------------

def _purposes_page(new_form=None, error=None, status=200):
    rows = purposes.purpose_rows()
    editable = purposes.editable_years()
    new_form = new_form or NewPurposeForm(formdata=None, years=[editable[0]])
    new_form.years.choices = year_choices(editable)
    return render_template(
        "consent/staff_purposes.html", rows=rows, editable=editable, new_form=new_form,
        albums_missing=not any(row.enforced for row in rows), error=error,
        albums_text=(purposes.ALBUMS_NAME, purposes.ALBUMS_EXPLANATION),
    ), status


@staff_bp.get("/doelen")
@admin_required
def purposes_index():
    return _purposes_page()


@staff_bp.post("/doelen")
@admin_required
def purpose_create():
    form = NewPurposeForm()
    form.years.choices = year_choices(purposes.editable_years())
    if form.validate_on_submit():
        try:
            purpose = purposes.create_purpose(current_user, form.name.data, form.explanation.data, form.years.data)
        except ConsentRefused as exc:
            form.name.errors = list(form.name.errors) + [str(exc)]
        else:
            flash(f"Het doel ‘{purpose.name}’ is toegevoegd.", "success")
            return redirect(url_for("staff_consent.purposes_index"))
    return _purposes_page(new_form=form, status=422)


@staff_bp.post("/doelen/jaren")
@admin_required
def purpose_years():
    form = AskedYearsForm()
    form.asked.choices = asked_choices(purposes.purpose_ids(), purposes.editable_years())
    if not form.validate_on_submit():
        return _purposes_page(error=" ".join(form.errors.get("asked") or form.errors.get("csrf_token") or []),
                              status=422)
    changed = purposes.set_asked_years(current_user, asked_by_purpose(form.asked.data))
    flash("De schooljaren zijn opgeslagen." if changed else "Er was niets gewijzigd.", "success")
    return redirect(url_for("staff_consent.purposes_index"))


@staff_bp.post("/doelen/albums")
@admin_required
def albums_create():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        purposes.create_albums_purpose(current_user)
    except ConsentRefused as exc:
        flash(str(exc), "error")
    else:
        flash("Het doel voor de fotoalbums is toegevoegd en wordt dit schooljaar gevraagd.", "success")
    return redirect(url_for("staff_consent.purposes_index"))


@staff_bp.route("/doelen/<int:purpose_id>", methods=["GET", "POST"])
@admin_required
def purpose_edit(purpose_id):
    row = purposes.purpose_row(purpose_id) or abort(404)
    purpose = row.purpose
    current = purpose.current
    form = PurposeForm(data={"name": purpose.name, "explanation": current.explanation if current else ""})
    if form.validate_on_submit():
        try:
            added = purposes.reword_purpose(current_user, purpose, form.name.data, form.explanation.data)
        except ConsentRefused as exc:
            form.name.errors = list(form.name.errors) + [str(exc)]
        else:
            flash("De nieuwe tekst is opgeslagen. De ouders worden opnieuw om toestemming gevraagd." if added
                  else "Er was niets gewijzigd.", "success")
            return redirect(url_for("staff_consent.purposes_index"))
    return render_template("consent/staff_purpose_edit.html", row=row, form=form,
                           counting=purposes.current_answers(purpose)), 422 if form.errors else 200


@staff_bp.post("/doelen/<int:purpose_id>/verplaatsen")
@admin_required
def purpose_move(purpose_id):
    purpose = db.get_or_404(ConsentPurpose, purpose_id)
    step = {"omhoog": -1, "omlaag": 1}.get(request.form.get("richting"))
    if not ConfirmForm().validate_on_submit() or step is None:
        abort(400)
    purposes.move_purpose(current_user, purpose, step)
    return redirect(url_for("staff_consent.purposes_index") + f"#doel-{purpose.id}")


@staff_bp.post("/doelen/<int:purpose_id>/verwijderen")
@admin_required
def purpose_delete(purpose_id):
    purpose = db.get_or_404(ConsentPurpose, purpose_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = purpose.name
    try:
        purposes.delete_purpose(current_user, purpose)
    except ConsentRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff_consent.purpose_edit", purpose_id=purpose_id))
    flash(f"Het doel ‘{name}’ is verwijderd.", "success")
    return redirect(url_for("staff_consent.purposes_index"))
