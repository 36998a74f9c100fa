"""Beheer > groups, children, parents and staff, accounts. Office only; views are thin."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from app.access import admin_required, pupil_or_404
from app.admin import erasure, services, staff_bp
from app.admin.forms import (
    ChildForm,
    EraseForm,
    GroupForm,
    GuardianshipForm,
    LoginNameForm,
    NewAccountForm,
    PersonForm,
)
from app.admin.services import ServiceError
from app.extensions import db
from app.forms import ConfirmForm
from app.htmx import is_htmx, render_page
from app.models import Group, Role, User
from app.names import person_sort_key
from app.people import services as person_services
from app.pagination import page_number
from app.request_input import db_int


def _field_error(form, error):
    """Show a service's Dutch message at its field (or above the form)."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = list(target.errors) + [error.message]
        return None
    return error.message


@staff_bp.get("/")
@admin_required
def index():
    return redirect(url_for("staff.index"))


# --- groups ----------------------------------------------------------------------------------

@staff_bp.get("/groepen")
@admin_required
def groups():
    return render_template("admin/groups.html", rows=services.groups_overview())


@staff_bp.route("/groepen/nieuw", methods=["GET", "POST"])
@admin_required
def group_new():
    return _group_form(None)


@staff_bp.route("/groepen/<int:group_id>", methods=["GET", "POST"])
@admin_required
def group_edit(group_id):
    return _group_form(db.get_or_404(Group, group_id))


def _group_form(group):
    if group is not None:
        form = GroupForm(obj=group, teachers=[teacher.id for teacher in group.teachers])
    else:
        years = [g.school_year for g in services.all_groups()]
        form = GroupForm(school_year=max(set(years), key=years.count) if years else "2026-2027")
    form.teachers.choices = services.teacher_choices()
    error = None
    if form.validate_on_submit():
        try:
            saved = services.save_group(group, form.name.data, form.level.data, form.school_year.data,
                                        form.sort_order.data, form.teachers.data)
        except ServiceError as exc:
            error = _field_error(form, exc)
        else:
            flash(f"{saved.label} is opgeslagen.", "success")
            return redirect(url_for("admin.groups"))
    children = []
    if group is not None:
        children = sorted((c for c in group.children if c.left_at is None), key=person_sort_key)
    status = 422 if (form.errors or error) else 200
    return render_template("admin/group_form.html", form=form, group=group, children=children, error=error), status


@staff_bp.post("/groepen/<int:group_id>/verwijderen")
@admin_required
def group_delete(group_id):
    group = db.get_or_404(Group, group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_group(group)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.group_edit", group_id=group_id))
    flash(f"{group.label} is verwijderd.", "success")
    return redirect(url_for("admin.groups"))


# --- children ----------------------------------------------------------------------------------

@staff_bp.get("/leerlingen")
@admin_required
def children():
    query = (request.args.get("q") or "").strip()[:100]
    group_id = request.args.get("groep", type=db_int)
    status = request.args.get("status", "huidig")
    if status not in {"huidig", "oud", "alle"}:
        status = "huidig"
    results = services.children_page(query, group_id, status, page_number())
    return render_page("admin/children.html", "admin/_children_list.html", results=results, query=query,
                       group_id=group_id, which=status, groups=services.all_groups())


def _child_form(child):
    form = ChildForm(obj=child, group_id=(child.group_id or 0) if child else 0)
    form.group_id.choices = [SelectChoice(0, "— geen groep —")] + [SelectChoice(g.id, g.label)
                                                                    for g in services.all_groups()]
    return form


def _child_values(form):
    values = {name: getattr(form, name).data for name in services.CHILD_FIELDS}
    values["group_id"] = form.group_id.data or None
    return values


@staff_bp.route("/leerlingen/nieuw", methods=["GET", "POST"])
@admin_required
def child_new():
    form = _child_form(None)
    if request.method == "GET" and request.args.get("groep", type=db_int):
        form.group_id.data = request.args.get("groep", type=db_int)
    error = None
    if form.validate_on_submit():
        try:
            child = services.save_child(None, _child_values(form), current_user)
        except ServiceError as exc:
            error = _field_error(form, exc)
        else:
            flash(f"{child.name} is toegevoegd. Koppel hieronder de ouders.", "success")
            return redirect(url_for("admin.child_edit", child_id=child.id))
    status = 422 if (form.errors or error) else 200
    return render_template("admin/child_form.html", form=form, child=None, error=error), status


@staff_bp.route("/leerlingen/<int:child_id>", methods=["GET", "POST"])
@admin_required
def child_edit(child_id):
    child = pupil_or_404(child_id)
    form = _child_form(child)
    error = None
    if form.validate_on_submit():
        try:
            services.save_child(child, _child_values(form), current_user)
        except ServiceError as exc:
            error = _field_error(form, exc)
        else:
            flash(f"De gegevens van {child.name} zijn opgeslagen.", "success")
            return redirect(url_for("admin.child_edit", child_id=child.id))
    status = 422 if (form.errors or error) else 200
    return _child_page(child, form=form, error=error, status=status)


def _child_page(child, form=None, link_form=None, error=None, link_error=None, status=200, message=None):
    return render_page(
        "admin/child_form.html", "admin/_child_parents.html", status=status,
        child=child, form=form or _child_form(child), link_form=link_form or GuardianshipForm(formdata=None),
        parents=services.parents_of(child), error=error, link_error=link_error, message=message,
    )


def _guardianships_done(child, message):
    if is_htmx():
        return _child_page(child, message=message)
    flash(message, "success")
    return redirect(url_for("admin.child_edit", child_id=child.id) + "#ouders")


@staff_bp.post("/leerlingen/<int:child_id>/ouders")
@admin_required
def child_link_add(child_id):
    child = pupil_or_404(child_id)
    form = GuardianshipForm()
    link_error = None
    if form.validate_on_submit():
        try:
            parent = services.add_guardianship(child, form.parent_email.data, form.read_only.data, current_user)
        except ServiceError as exc:
            link_error = _field_error(form, exc)
        else:
            return _guardianships_done(child, f"{parent.name} is gekoppeld aan {child.name}.")
    return _child_page(child, link_form=form, link_error=link_error, status=422)


def _guardianship_or_404(child_id, parent_id):
    guardianship = services.guardianship_or_none(child_id, parent_id)
    if guardianship is None:
        abort(404)
    return guardianship


@staff_bp.post("/leerlingen/<int:child_id>/ouders/<int:parent_id>")
@admin_required
def child_link_update(child_id, parent_id):
    guardianship = _guardianship_or_404(child_id, parent_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    read_only = request.form.get("read_only") == "1"
    services.set_read_only(guardianship, read_only, current_user)
    state = "alleen lezen" if read_only else "lezen en wijzigen"
    child = guardianship.child
    return _guardianships_done(child, f"{guardianship.parent.name} heeft nu {state} voor {child.name}.")


@staff_bp.post("/leerlingen/<int:child_id>/ouders/<int:parent_id>/ontkoppelen")
@admin_required
def child_link_remove(child_id, parent_id):
    guardianship = _guardianship_or_404(child_id, parent_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    child, name = guardianship.child, guardianship.parent.name
    services.remove_guardianship(guardianship, current_user)
    return _guardianships_done(child, f"{name} is niet meer gekoppeld aan {child.name}.")


# --- parents and staff -------------------------------------------------------------------------

@staff_bp.get("/personen")
@admin_required
def people():
    query = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("rol", "")
    state = request.args.get("status", "")
    results = services.people_page(query, role, state, page_number())
    return render_page("admin/people.html", "admin/_people_list.html", results=results, query=query, role=role,
                       state=state, account_state=services.account_state,
                       role_choices=[("", "Iedereen")] + [(choice.value, choice.plural) for choice in Role])


@staff_bp.route("/personen/nieuw", methods=["GET", "POST"])
@admin_required
def person_new():
    child_id = request.values.get("leerling", type=db_int) or None
    child = pupil_or_404(child_id) if child_id else None
    form = NewAccountForm()
    error = None
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.PERSON_FIELDS}
        values.update(login_name=form.login_name.data, role=form.role.data)
        try:
            user = services.create_person(values, current_user, child=child, read_only=form.read_only.data)
        except ServiceError as exc:
            error = _field_error(form, exc)
        else:
            flash(f"Het account van {user.name} is aangemaakt. De activatiemail is onderweg naar {user.email}.",
                  "success")
            if child is not None:
                return redirect(url_for("admin.child_edit", child_id=child.id) + "#ouders")
            return redirect(url_for("admin.person_edit", user_id=user.id))
    status = 422 if (form.errors or error) else 200
    return render_template("admin/person_new.html", form=form, child=child, error=error), status


def _user_or_404(user_id):
    return db.get_or_404(User, user_id)


def _person_page(user, form=None, error=None, status=200):
    return render_template(
        "admin/person_edit.html", user=user, form=form or PersonForm(obj=user), error=error,
        state=services.account_state(user), activation_sent=services.last_activation_sent(user),
        children=sorted(user.guardianships, key=lambda guardianship: person_sort_key(guardianship.child)),
    ), status


@staff_bp.route("/personen/<int:user_id>", methods=["GET", "POST"])
@admin_required
def person_edit(user_id):
    user = _user_or_404(user_id)
    if services.is_erased(user):
        return render_template("admin/person_erased.html", user=user)
    form = PersonForm(obj=user)
    if form.validate_on_submit():
        changed = person_services.update_person(current_user, user, "user",
                                                {name: getattr(form, name).data for name in services.PERSON_FIELDS})
        flash("De gegevens zijn opgeslagen." if changed else "Er was niets gewijzigd.", "success")
        return redirect(url_for("admin.person_edit", user_id=user.id))
    return _person_page(user, form=form, status=422 if form.errors else 200)


def _account_action(user_id, action, success):
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(user)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(success.format(name=user.name, email=user.email), "success")
    return redirect(url_for("admin.person_edit", user_id=user_id))


@staff_bp.post("/personen/<int:user_id>/activatiemail")
@admin_required
def person_resend(user_id):
    return _account_action(user_id, services.resend_activation,
                           "Er is een nieuwe activatiemail verstuurd naar {email}. Eerdere activatielinks werken niet meer.")


@staff_bp.post("/personen/<int:user_id>/deactiveren")
@admin_required
def person_deactivate(user_id):
    return _account_action(user_id, lambda user: services.deactivate(user, current_user),
                           "Het account van {name} is gedeactiveerd: inloggen kan niet meer. Er is niets verwijderd.")


@staff_bp.post("/personen/<int:user_id>/heractiveren")
@admin_required
def person_reactivate(user_id):
    return _account_action(user_id, lambda user: services.reactivate(user, current_user),
                           "Het account van {name} is weer actief.")


@staff_bp.route("/personen/<int:user_id>/inlognaam", methods=["GET", "POST"])
@admin_required
def person_login_name(user_id):
    user = _user_or_404(user_id)
    if services.is_erased(user):
        abort(404)
    form = LoginNameForm()
    if request.method == "GET" and user.email.lower() != user.login_name:
        form.login_name.data = user.email  # the usual request: follow the new contact address
    error = None
    if form.validate_on_submit():
        try:
            services.change_login_name(user, form.login_name.data, form.also_contact.data, current_user)
        except ServiceError as exc:
            error = _field_error(form, exc)
        else:
            note = " De ouder krijgt hierover bericht op het nieuwe adres." if user.is_activated else ""
            flash(f"De inlognaam is nu {user.login_name}.{note}", "success")
            return redirect(url_for("admin.person_edit", user_id=user.id))
    status = 422 if (form.errors or error) else 200
    return render_template("admin/person_login_name.html", user=user, form=form, error=error), status


@staff_bp.route("/personen/<int:user_id>/wissen", methods=["GET", "POST"])
@admin_required
def person_erase(user_id):
    user = _user_or_404(user_id)
    if services.is_erased(user):
        return redirect(url_for("admin.person_edit", user_id=user.id))
    form = EraseForm()
    error = None
    if form.validate_on_submit():
        try:
            erasure.erase_account(user, current_user)
        except ServiceError as exc:
            error = exc.message
        else:
            flash("De persoonsgegevens van het account zijn gewist.", "success")
            return redirect(url_for("admin.people"))
    status = 422 if (form.errors or error) else 200
    return render_template("admin/person_erase.html", user=user, form=form, error=error,
                           preview=erasure.erasure_preview(user)), status
