"""Extra phone numbers, inline: a parent's own ("werk") and a child's emergency numbers.

One section (templates/people/_numbers.html) lists the numbers, each an editable row
with "Opslaan" and "Verwijderen", and a form to add one. With htmx the section replaces
itself; without JavaScript the forms post and the page reloads.
"""
from dataclasses import dataclass, field

from flask import abort, flash, redirect

from app.forms import ConfirmForm
from app.htmx import is_htmx, render_page
from app.people import services
from app.people.forms import NumberForm

FRAGMENT = "people/_numbers.html"
# Prefixed forms (one per row) would prefix their CSRF field too; CSRFProtect already
# checks every POST (form field or the htmx header), so these forms carry none.
NO_CSRF = {"csrf": False}


@dataclass
class NumberSection:
    owner_type: str    # "user" or "child"
    title: str
    intro: str
    editable: bool
    add_url: str
    rows: list = field(default_factory=list)  # (entry, form, save_url, delete_url)
    add_form: NumberForm | None = None
    message: str = ""
    failed: bool = False


def build_section(owner_type, owner, editable, urls, failed_form=None, failed_id=None, message=""):
    """The section's context. `urls(action, number_id=None)` gives the post URLs."""
    if owner_type == "user":
        title = "Extra telefoonnummers"
        intro = "Bijvoorbeeld het nummer van uw werk."
    else:
        title = "Extra gegevens"
        intro = "Noodnummers: wie de school kan bellen als u niet bereikbaar bent."
    numbers = services.numbers_of_owner(owner_type, owner)
    section = NumberSection(owner_type=owner_type, title=title, intro=intro, editable=editable,
                            add_url=urls("add"), message=message, failed=failed_form is not None)
    for entry in numbers:
        if failed_form is not None and failed_id == entry.id:
            form = failed_form
        else:
            form = NumberForm(formdata=None, obj=entry, prefix=f"n{entry.id}", meta=NO_CSRF)
        section.rows.append((entry, form, urls("edit", entry.id), urls("delete", entry.id)))
    if editable:
        section.add_form = failed_form if (failed_form is not None and failed_id is None) \
            else NumberForm(formdata=None, prefix="new", meta=NO_CSRF)
    return section


def handle(actor, owner_type, owner, action, urls, render_full, number_id=None):
    """Add, change or remove a number; answers with the section (htmx) or the page."""
    failed_form, failed_id, message = None, None, ""
    if action == "add":
        form = NumberForm(prefix="new", meta=NO_CSRF)
        if form.validate_on_submit():
            services.add_number(actor, owner_type, owner, form.label.data, form.number.data)
            message = f"{form.label.data} is toegevoegd."
        else:
            failed_form = form
    else:
        entry = services.number_for(services.numbers_of_owner(owner_type, owner), number_id)
        if entry is None:
            abort(404)
        if action == "edit":
            form = NumberForm(prefix=f"n{entry.id}", meta=NO_CSRF)
            if form.validate_on_submit():
                services.change_number(actor, owner_type, owner, entry, form.label.data, form.number.data)
                message = f"{entry.label} is opgeslagen."
            else:
                failed_form, failed_id = form, entry.id
        elif action == "delete":
            if not ConfirmForm().validate_on_submit():
                abort(400)
            label = entry.label
            services.delete_number(actor, owner_type, owner, entry)
            message = f"{label} is verwijderd."
        else:
            abort(404)
    status = 422 if failed_form is not None else 200
    if failed_form is not None:
        message = "Het nummer is niet opgeslagen. Controleer de gemarkeerde velden."
    section = build_section(owner_type, owner, True, urls, failed_form, failed_id, message)
    if is_htmx():
        return render_page(FRAGMENT, FRAGMENT, status=status, numbers=section)
    if status == 200:
        flash(message, "success")
        return redirect(urls("page"))
    return render_full(section, status)
