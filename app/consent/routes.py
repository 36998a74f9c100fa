"""The parents' side of Toestemming: the tab "Toestemming" of Mijn kinderen › Leerling
bekijken, the overview of the parent's children (the link in the request mails) and the
"Later" of the Home prompt (app/consent/home.py).

The child comes through app/access.child_for: another family's child is a 404. Only a
guardian with a writable link answers (app.privacy.consent.save_answer); a read-only
guardian and staff see everything but get no switches, and their POST is a 403."""
from flask import abort, flash, redirect, session, url_for
from flask_login import current_user, login_required

from app import clock, privacy
from app.access import can_edit_child, child_for
from app.consent import bp, services
from app.consent.forms import ConsentAnswerForm
from app.consent.home import LATER_KEY, later_marker
from app.forms import ConfirmForm
from app.htmx import is_htmx, render_page
from app.privacy.consent import ConsentRefused, save_answer
from app.settings import module_enabled

PAGE = "consent/show.html"


def _may_answer(child):
    return current_user.is_parent and can_edit_child(current_user, child)


def _tab(child, blocks=None, page_error=None, status=200):
    _, thumb_url = privacy.own_photo_urls(child.photo_id)
    return render_page(
        PAGE, status=status, child=child, tab="toestemming", editable=can_edit_child(current_user, child),
        photo_url=thumb_url, show_results=module_enabled("resultaten"),
        blocks=services.purpose_blocks(current_user, child) if blocks is None else blocks,
        history=services.history_rows(child), may_answer=_may_answer(child), page_error=page_error,
        school_year=clock.school_year(),
    )


def _block_response(child, block, status=200):
    """htmx: only this purpose's block (and the history, out of band); else the whole tab
    with this block in its place."""
    if is_htmx():
        return render_page(PAGE, "consent/_purpose.html", status=status, child=child, block=block,
                           may_answer=_may_answer(child), history=services.history_rows(child), oob=True)
    blocks = [block if other.purpose.id == block.purpose.id else other
              for other in services.purpose_blocks(current_user, child)]
    return _tab(child, blocks=blocks, status=status)


@bp.get("/<int:child_id>/toestemming")
@login_required
def show(child_id):
    return _tab(child_for(current_user, child_id))


@bp.post("/<int:child_id>/toestemming")
@login_required
def answer(child_id):
    child = child_for(current_user, child_id, write=True)  # other family: 404; read-only: 403
    if current_user.is_staff:
        abort(403)  # consent is the parents' to give
    form = ConsentAnswerForm()
    valid = form.validate_on_submit()
    purpose = services.find_purpose(form.purpose_id) if form.purpose_id is not None else None
    if purpose is None:
        message = form.errors.get("purpose", [None])[0] or \
            "Voor dit doel wordt dit schooljaar geen toestemming gevraagd. Laad de pagina opnieuw."
        if is_htmx():
            return render_page(PAGE, "consent/_error.html", status=422, message=message)
        return _tab(child, page_error=message, status=422)
    if not valid:
        return _block_response(child, services.block_for(current_user, child, purpose.id, error=form.first_error()),
                               status=422)
    try:
        changed = save_answer(current_user, child, purpose, form.given)
    except ConsentRefused as refusal:
        return _block_response(child, services.block_for(current_user, child, purpose.id, error=str(refusal)),
                               status=422)
    if not is_htmx():
        word = "ja" if form.given else "nee"
        flash(f"Uw antwoord voor {child.first_name} bij ‘{purpose.name}’ is opgeslagen: {word}." if changed
              else "Er is niets gewijzigd.", "success")
        return redirect(url_for("consent.show", child_id=child.id, _anchor=f"doel-{purpose.id}"))
    return _block_response(child, services.block_for(current_user, child, purpose.id, saved=True))


@bp.get("/toestemming", endpoint="overview")
@login_required
def overview():
    """The parent's children with their consent this school year (the request mails link here)."""
    if current_user.is_staff:
        return redirect(url_for("staff_consent.index"))
    return render_page("consent/overview.html", rows=services.children_overview(current_user),
                       school_year=clock.school_year())


@bp.get("/toestemming/verzoek/<int:request_id>", endpoint="request")
@login_required
def request_page(request_id):
    """Where a mail about a yearly request points (the catalog needs an id): the overview."""
    return redirect(url_for("consent.overview"))


@bp.post("/toestemming/later", endpoint="later")
@login_required
def later():
    """Home's "Later": no consent prompt for the rest of this login session."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session[LATER_KEY] = later_marker()
    flash("U krijgt de vraag om toestemming weer bij een volgende keer inloggen. "
          "U kunt altijd antwoorden onder Mijn kinderen › Toestemming.", "info")
    return redirect(url_for("home.index"))
