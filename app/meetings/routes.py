"""Oudergesprekken for parents: the invitations, and per child the slot list to book in."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.htmx import is_htmx, render_page
from app.meetings import bp, services, slot_rows  # noqa: F401 (slot_rows: the template global)
from app.meetings.forms import BookForm
from app.meetings.services import MeetingError, NotInRound


@bp.get("/")
@login_required
def index():
    invitations = services.invitations_for_parent(current_user) if current_user.is_parent else []
    return render_page("meetings/index.html", invitations=invitations)


def _planning_page(invitation, message=None, message_kind="success", status=200):
    planning = services.parent_planning(current_user, invitation)
    return render_page("meetings/detail.html", "meetings/_planning.html", status=status,
                       message=message, message_kind=message_kind, form=BookForm(), **planning)


@bp.get("/<int:round_id>/kind/<int:child_id>")
@login_required
def detail(round_id, child_id):
    invitation = services.invitation_for_parent(current_user, round_id, child_id)
    return _planning_page(invitation)


def _answer(invitation, action, done_message):
    """Run a booking action; answer with the refreshed slot list (htmx) or a redirect/page."""
    try:
        result = action()
    except NotInRound:
        abort(404)
    except MeetingError as error:
        # htmx swaps only successful answers: the refusal comes with the fresh list as 200.
        return _planning_page(invitation, error.message, "error", status=200 if is_htmx() else 409)
    message = done_message(result)
    if is_htmx():
        return _planning_page(invitation, message, "success")
    flash(message, "success")
    return redirect(url_for("meetings.detail", round_id=invitation.round_id, child_id=invitation.child_id),
                    code=303)


def _version(form):
    """The reservation version the page showed (None: no booking yet); 400 for a version
    that is not a number (no page of ours sends one)."""
    if form.versie.errors:
        abort(400)
    return form.versie.data


@bp.post("/<int:round_id>/kind/<int:child_id>/reserveren")
@login_required
def book(round_id, child_id):
    invitation = services.invitation_for_parent(current_user, round_id, child_id, write=True)
    form = BookForm()
    form.validate_on_submit()  # CSRF is checked for every POST by CSRFProtect
    version = _version(form)
    name = invitation.child.first_name
    return _answer(
        invitation,
        lambda: services.book(current_user, invitation, form.slot.data, version),
        lambda times: f"Gereserveerd voor {name}: {services.describe_times(times)}.",
    )


@bp.post("/<int:round_id>/kind/<int:child_id>/annuleren")
@login_required
def cancel(round_id, child_id):
    """'Annuleren' asks first, as Beheer does: with JavaScript the browser asks and htmx
    sends `bevestigd`; without, this answers with a question page whose button sends it."""
    invitation = services.invitation_for_parent(current_user, round_id, child_id, write=True)
    form = BookForm()
    form.validate_on_submit()
    version = _version(form)
    name = invitation.child.first_name
    if request.form.get("bevestigd") != "1":
        planning = services.parent_planning(current_user, invitation)
        if not planning["times"]:
            return _planning_page(invitation, f"Er is voor {name} geen reservering om te annuleren.", "error",
                                  status=200 if is_htmx() else 409)
        return render_page("meetings/cancel.html", "meetings/_cancel_confirm.html", form=BookForm(),
                           version=version, **planning)
    return _answer(
        invitation,
        lambda: services.cancel(current_user, invitation, version),
        lambda _result: f"De reservering voor {name} is geannuleerd. Kies hieronder een nieuwe tijd.",
    )
