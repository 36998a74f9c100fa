"""Beheer > CSV import, new school year, settings and audit log. Office only."""
import secrets
from pathlib import Path

from flask import flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from app.access import admin_required
from app.admin import csv_import, staff_bp
from app.admin.forms import ImportCommitForm, ImportUploadForm, SchoolYearForm, SettingsForm
from app.admin.school_year import apply_school_year, plan_school_year
from app.admin.services import ServiceError
from app.audit import FIELD_LABELS
from app.extensions import db
from app.models import AuditEntry, Child, User
from app.pagination import page_number
from app.request_input import db_int
from app.settings import CONTACT_KEYS, MODULES, module_enabled, school_details, set_setting
from app.images import UploadError, read_limited
from app.storage import StorageError, StorageMissing, delete_quietly, get_storage, import_key

MODULE_LABELS = {"resultaten": "Resultaten (bij Mijn kinderen)"}
OUTDATED = ("Er is intussen iets veranderd in het portaal. Hieronder staat het bijgewerkte voorbeeld; controleer "
            "het en importeer opnieuw. Er is nog niets geïmporteerd.")
SAMPLE_FILE = Path(__file__).resolve().parents[2] / "data" / "voorbeeld-leerlingen.csv"


# --- the uploaded file between preview and import ------------------------------------------------
# Kept in the storage (imports/<token>.csv, never static) with a random name bound to the
# session, and removed after the import, or by the daily sweep once a day old.

def _store_upload(data):
    """Raises StorageError (Dutch) when the store is away."""
    token = secrets.token_hex(16)
    get_storage().put(import_key(token), data, "text/csv")
    session["admin_import"] = token
    return token


def _load_upload(token):
    """The held file of this session's token, or None. Raises StorageError."""
    if not token or token != session.get("admin_import"):
        return None
    try:
        return get_storage().get(import_key(token))
    except StorageMissing:
        return None


def _drop_upload(token):
    delete_quietly([import_key(token)])
    session.pop("admin_import", None)


def _preview(plan, token, status=200, error=None, notice=None, commit_form=None):
    form = commit_form or ImportCommitForm(formdata=None)
    form.upload.data = token
    form.fingerprint.data = plan.fingerprint()
    return render_template("admin/import_preview.html", plan=plan, form=form, error=error, notice=notice,
                           delimiters=csv_import.DELIMITERS, labels=csv_import.CHILD_LABELS,
                           columns=csv_import.COLUMN_BY_KEY), status


@staff_bp.route("/importeren", methods=["GET", "POST"])
@admin_required
def import_csv():
    form = ImportUploadForm()
    if form.validate_on_submit():
        try:
            data = read_limited(form.file.data, csv_import.MAX_BYTES,
                                "Het bestand is groter dan 2 MB. Splits het bestand.")
            parsed = csv_import.read_csv(data)
            token = _store_upload(data)
        except (UploadError, csv_import.FileProblem) as exc:  # StorageError is an UploadError
            form.file.errors = list(form.file.errors) + [str(exc)]
        else:
            return _preview(csv_import.make_plan(parsed), token)
    status = 422 if form.errors else 200
    return render_template("admin/import.html", form=form, columns=csv_import.COLUMNS), status


@staff_bp.get("/importeren/voorbeeld.csv")
@admin_required
def import_sample():
    """The sample file of README.md (fictitious pupils), as a download."""
    return send_file(SAMPLE_FILE, mimetype="text/csv", as_attachment=True,
                     download_name="voorbeeld-leerlingen.csv", max_age=0)


@staff_bp.post("/importeren/uitvoeren")
@admin_required
def import_commit():
    form = ImportCommitForm()
    try:
        data = _load_upload(form.upload.data) if form.validate_on_submit() else None
    except StorageError as error:
        flash(f"{error} Er is niets geïmporteerd.", "error")
        return redirect(url_for("admin.import_csv"))
    if data is None:
        flash("Het geüploade bestand is niet meer beschikbaar. Upload het opnieuw; er is niets geïmporteerd.", "error")
        return redirect(url_for("admin.import_csv"))
    token = form.upload.data
    plan = csv_import.make_plan(csv_import.read_csv(data))
    if plan.fingerprint() != form.fingerprint.data:
        return _preview(plan, token, status=409, notice=OUTDATED)
    skip = bool(form.skip_bad_rows.data)
    if plan.bad_rows and not skip:
        return _preview(plan, token, status=422, error=csv_import.BAD_ROWS_MESSAGE, commit_form=form)
    if not plan.has_changes:
        _drop_upload(token)
        flash("Er was niets te importeren: alles uit dit bestand stond al zo in het portaal.", "success")
        return redirect(url_for("admin.import_csv"))
    try:
        result = csv_import.apply_plan(plan, current_user, skip_bad_rows=skip)
    except ServiceError as exc:
        return _preview(plan, token, status=422, error=exc.message, commit_form=form)
    except IntegrityError:
        # Someone else created one of these pupils or accounts at the same moment.
        plan = csv_import.make_plan(csv_import.read_csv(data))
        return _preview(plan, token, status=409, notice=OUTDATED)
    _drop_upload(token)
    parts = [f"{result.created_children} leerlingen toegevoegd", f"{result.changed_children} gewijzigd",
             f"{result.created_parents} nieuwe ouderaccounts (zij krijgen nu een activatiemail)",
             f"{result.new_guardianships} koppelingen ouder–leerling"]
    if result.filled_parents:
        parts.append(f"{result.filled_parents} ouderaccounts aangevuld")
    if result.skipped_rows:
        parts.append(f"{result.skipped_rows} foutieve rijen overgeslagen")
    flash("Import klaar: " + ", ".join(parts) + ".", "success")
    return redirect(url_for("admin.import_csv"))


# --- new school year ---------------------------------------------------------------------------

@staff_bp.route("/nieuw-schooljaar", methods=["GET", "POST"])
@admin_required
def school_year():
    form = SchoolYearForm()
    error = None
    if request.method == "POST":
        chosen = {int(value) for value in request.form.getlist("naar_groep_3") if value.isdigit()}
        plan = plan_school_year(chosen)
        if request.form.get("actie") == "voorbeeld":
            form.from_year.data = plan.from_year
            return render_template("admin/school_year.html", plan=plan, form=form, error=None)
        if form.validate_on_submit():
            try:
                apply_school_year(plan, current_user, form.from_year.data, again=form.again.data)
            except ServiceError as exc:
                error = exc.message
            else:
                flash(f"Het nieuwe schooljaar {plan.to_year} is ingesteld: {plan.moving_count} leerlingen zijn "
                      f"een groep opgeschoven en {len(plan.leavers)} leerlingen van groep 8 zijn nu oud-leerling.",
                      "success")
                return redirect(url_for("admin.school_year"))
        else:
            error = "Het formulier is verlopen. Controleer het voorbeeld en probeer het opnieuw."
        plan = plan_school_year(chosen)
    else:
        plan = plan_school_year()
    form.from_year.data = plan.from_year
    return render_template("admin/school_year.html", plan=plan, form=form, error=error), 422 if error else 200


# --- settings ----------------------------------------------------------------------------------

@staff_bp.route("/instellingen", methods=["GET", "POST"])
@admin_required
def settings():
    details = school_details()
    form = SettingsForm(data={**details, "modules": [key for key in MODULES if module_enabled(key)]})
    form.modules.choices = [SelectChoice(key, MODULE_LABELS.get(key, key.capitalize())) for key in MODULES]
    if form.validate_on_submit():
        set_setting("school.name", form.name.data)
        for key in CONTACT_KEYS:
            set_setting(f"school.{key}", getattr(form, key).data or "")
        for key in MODULES:
            set_setting(f"module.{key}", "1" if key in (form.modules.data or []) else "0")
        db.session.commit()
        flash("De instellingen zijn opgeslagen.", "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 422 if form.errors else 200


# --- audit log ---------------------------------------------------------------------------------

@staff_bp.get("/logboek")
@admin_required
def audit():
    subject_type = request.args.get("soort", "")
    subject_id = request.args.get("id", type=db_int)
    stmt = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if subject_type in {"user", "child"}:
        stmt = stmt.where(AuditEntry.subject_type == subject_type)
        if subject_id:
            stmt = stmt.where(AuditEntry.subject_id == subject_id)
    page = db.paginate(stmt, page=page_number(), per_page=50, error_out=False)
    user_ids = {e.actor_id for e in page.items if e.actor_id} | {e.subject_id for e in page.items if e.subject_type == "user"}
    child_ids = {e.subject_id for e in page.items if e.subject_type == "child"}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    children = {c.id: c for c in db.session.scalars(select(Child).where(Child.id.in_(child_ids)))} if child_ids else {}
    subject = None
    if subject_type == "user" and subject_id:
        subject = users.get(subject_id) or db.session.get(User, subject_id)
    elif subject_type == "child" and subject_id:
        subject = children.get(subject_id) or db.session.get(Child, subject_id)
    return render_template("admin/audit.html", page=page, users=users, children=children, subject_type=subject_type,
                           subject_id=subject_id, subject=subject, field_labels=FIELD_LABELS)
