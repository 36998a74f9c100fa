"""Mijn kinderen: the parent's children and, per child, the tabs of the manual (Gegevens,
Bereikbaarheid, Privacy, Resultaten when the school uses it, Notities).

Every view gets the child through app/access.child_for: another family's child is a 404,
and a read-only guardian gets 403 on every change (the forms are not offered either).
Teachers reach the pupils of their groups here too, the office every pupil.
"""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app import privacy
from app.access import can_edit_child, child_for, children_of
from app.children import bp, services
from app.children.forms import GENDERS, ChildContactForm, ChildForm
from app.forms import ConfirmForm
from app.htmx import is_htmx, render_page
from app.images import UploadError
from app.people import numbers
from app.people import services as people
from app.people.forms import PhotoForm, privacy_form
from app.settings import module_enabled


def _page(template, child, tab, status=200, fragment=None, **context):
    _, thumb_url = privacy.own_photo_urls(child.photo_id)
    return render_page(
        template, fragment, status=status, child=child, tab=tab,
        editable=can_edit_child(current_user, child), photo_url=thumb_url,
        show_results=module_enabled("resultaten"), **context,
    )


@bp.get("/")
@login_required
def index():
    rows = children_of(current_user) if current_user.is_parent else []
    cards = []
    for child, read_only in rows:
        _, thumb_url = privacy.own_photo_urls(child.photo_id)
        cards.append({"child": child, "read_only": read_only, "photo_url": thumb_url})
    return render_page("children/index.html", cards=cards)


# --- Gegevens -----------------------------------------------------------------------------

def _details_page(child, photo_error=None, status=200):
    return _page("children/show.html", child, "gegevens", status=status,
                 photo_form=PhotoForm(formdata=None), remove_form=ConfirmForm(formdata=None),
                 photo_error=photo_error, genders=dict(GENDERS))


@bp.get("/<int:child_id>")
@login_required
def show(child_id):
    return _details_page(child_for(current_user, child_id))


@bp.route("/<int:child_id>/wijzigen", methods=["GET", "POST"])
@login_required
def edit(child_id):
    child = child_for(current_user, child_id, write=True)
    form = ChildForm(obj=child)
    if form.validate_on_submit():
        changed = people.update_person(current_user, child, "child",
                                                 {name: getattr(form, name).data for name in ChildForm.FIELDS})
        flash(f"De gegevens van {child.first_name} zijn opgeslagen." if changed else "Er is niets gewijzigd.",
              "success")
        return redirect(url_for("children.show", child_id=child.id))
    return _page("children/edit.html", child, "gegevens", form=form, status=422 if form.errors else 200)


@bp.post("/<int:child_id>/foto")
@login_required
def photo_upload(child_id):
    child = child_for(current_user, child_id, write=True)
    form = PhotoForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        people.replace_photo(current_user, child, "child", form.photo.data)
    except UploadError as error:
        return _details_page(child, photo_error=str(error), status=422)
    flash(f"De foto van {child.first_name} is opgeslagen.", "success")
    return redirect(url_for("children.show", child_id=child.id))


@bp.post("/<int:child_id>/foto/verwijderen")
@login_required
def photo_delete(child_id):
    child = child_for(current_user, child_id, write=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if people.remove_photo(current_user, child, "child"):
        flash(f"De foto van {child.first_name} is verwijderd.", "success")
    return redirect(url_for("children.show", child_id=child.id))


# --- Bereikbaarheid -----------------------------------------------------------------------

def _urls_for(child):
    def urls(action, number_id=None):
        if action == "page":
            return url_for("children.contact", child_id=child.id)
        if action == "add":
            return url_for("children.number_add", child_id=child.id)
        return url_for(f"children.number_{action}", child_id=child.id, number_id=number_id)
    return urls


def _contact_page(child, form=None, section=None, status=200):
    editable = can_edit_child(current_user, child)
    form = form or ChildContactForm(formdata=None, obj=child)
    section = section or numbers.build_section("child", child, editable, _urls_for(child))
    return _page("children/contact.html", child, "bereikbaarheid", status=status, form=form, numbers=section)


@bp.route("/<int:child_id>/bereikbaarheid", methods=["GET", "POST"])
@login_required
def contact(child_id):
    if request.method == "GET":
        return _contact_page(child_for(current_user, child_id))
    child = child_for(current_user, child_id, write=True)
    form = ChildContactForm()
    if form.validate_on_submit():
        changed = people.update_person(current_user, child, "child",
                                                 {name: getattr(form, name).data for name in ChildContactForm.FIELDS})
        flash("De primaire gegevens zijn opgeslagen." if changed else "Er is niets gewijzigd.", "success")
        return redirect(url_for("children.contact", child_id=child.id))
    return _contact_page(child, form=form, status=422)


@bp.post("/<int:child_id>/noodnummers", endpoint="number_add")
@bp.post("/<int:child_id>/noodnummers/<int:number_id>", endpoint="number_edit")
@bp.post("/<int:child_id>/noodnummers/<int:number_id>/verwijderen", endpoint="number_delete")
@login_required
def number_action(child_id, number_id=None):
    child = child_for(current_user, child_id, write=True)
    action = request.endpoint.rsplit("_", 1)[1]
    return numbers.handle(
        current_user, "child", child, action, _urls_for(child),
        lambda section, status: _contact_page(child, section=section, status=status), number_id=number_id,
    )


# --- Privacy ------------------------------------------------------------------------------
#
# The choices belong to the parents (app/privacy): a guardian with a writable link
# changes the child's, a read-only guardian and teachers see them, the office may only make
# them stricter. Staff also see the choices of the pupil's parents here, each in a form of
# its own (the office: stricter only) posting to parent_privacy.

def _privacy_block(child, parent=None, posted=False, **state):
    """One privacy form (or read-only list): the child's, or one parent's (staff only)."""
    if parent is None:
        right = privacy.change_right(current_user, "child", child)
        fields, levels, prefix = privacy.CHILD_FIELDS, privacy.child_levels(child), ""
        action = url_for("children.privacy", child_id=child.id)
        title = f"Privacy van {child.first_name}"
    else:
        right = privacy.change_right(current_user, "user", parent)
        fields, levels, prefix = privacy.PARENT_FIELDS, privacy.user_levels(parent), f"ouder-{parent.id}"
        action = url_for("children.parent_privacy", child_id=child.id, parent_id=parent.id)
        title = f"Privacy van {parent.name} (ouder)"
    form_class = privacy_form(fields, levels, stricter_only=right == "stricter")
    form = form_class(prefix=prefix) if posted else form_class(formdata=None, prefix=prefix)
    block = dict(form=form, privacy_action=action, editable=right is not None, stricter=right == "stricter",
                 right=right, title=title, heading_id=f"privacy-kop{'-' + prefix if prefix else ''}",
                 status_id=f"privacy-status{'-' + prefix if prefix else ''}", saved=False, privacy_error=None)
    block.update(state)
    return block


def _privacy_response(child, block=None, parent=None, status=200):
    """The page with every block (one of them replaced by `block`), or for htmx only that block."""
    if block is not None and is_htmx():
        return render_page("children/privacy.html", "people/_privacy_form.html", status=status,
                           levels=privacy.LEVELS, child=child, **block)
    blocks = [block if block is not None and parent is None else _privacy_block(child)]
    if current_user.is_staff:
        for guardian in services.parents_of(child):
            replaced = block is not None and parent is not None and guardian.id == parent.id
            blocks.append(block if replaced else _privacy_block(child, guardian))
    _, thumb_url = privacy.own_photo_urls(child.photo_id)
    return render_page("children/privacy.html", status=status, child=child, tab="privacy", blocks=blocks,
                       levels=privacy.LEVELS, editable=can_edit_child(current_user, child), photo_url=thumb_url,
                       show_results=module_enabled("resultaten"))


def _save_privacy(child, parent=None):
    block = _privacy_block(child, parent, posted=True)
    form = block["form"]
    if not form.validate_on_submit():
        return _privacy_response(child, block, parent, status=422)
    chosen = {name: form[name].data for name in (privacy.CHILD_FIELDS if parent is None else privacy.PARENT_FIELDS)}
    try:
        if parent is None:
            changed = privacy.save_child_levels(current_user, child, chosen)
        else:
            changed = privacy.save_user_levels(current_user, parent, chosen)
    except privacy.PrivacyRefused as refusal:
        # Nothing changed: show the stored choices again, with the reason.
        return _privacy_response(child, _privacy_block(child, parent, privacy_error=str(refusal)), parent, status=422)
    stricter = block["right"] == "stricter" and changed
    if not is_htmx():
        whose = child.first_name if parent is None else parent.name
        if stricter:
            told = "De ouders krijgen" if parent is None else f"{parent.name} krijgt"
            flash(f"De privacy-instelling van {whose} is strenger gemaakt. {told} hierover een e-mail.", "success")
        else:
            flash(f"De privacy-instellingen van {whose} zijn opgeslagen.", "success")
        return redirect(url_for("children.privacy", child_id=child.id))
    return _privacy_response(child, _privacy_block(child, parent, saved=True), parent)


@bp.route("/<int:child_id>/privacy", methods=["GET", "POST"], endpoint="privacy")
@login_required
def privacy_settings(child_id):
    child = child_for(current_user, child_id, write=request.method == "POST")
    if request.method == "GET":
        return _privacy_response(child)
    return _save_privacy(child)


@bp.post("/<int:child_id>/privacy/ouders/<int:parent_id>", endpoint="parent_privacy")
@login_required
def parent_privacy(child_id, parent_id):
    """Staff only: a parent's own choices, shown on their child's tab (the office: stricter)."""
    if not current_user.is_staff:
        abort(404)  # a parent's choices are changed under Mijn account, by that parent
    child = child_for(current_user, child_id)
    parent = next((guardian for guardian in services.parents_of(child) if guardian.id == parent_id), None)
    if parent is None:
        abort(404)
    return _save_privacy(child, parent)


# --- Resultaten and Notities --------------------------------------------------------------

@bp.get("/<int:child_id>/resultaten")
@login_required
def results(child_id):
    child = child_for(current_user, child_id)
    if not module_enabled("resultaten"):
        abort(404)
    return _page("children/results.html", child, "resultaten")


@bp.get("/<int:child_id>/notities")
@login_required
def notes(child_id):
    child = child_for(current_user, child_id)
    return _page("children/notes.html", child, "notities", notes=services.notes_of(child))
