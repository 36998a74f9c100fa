"""Oudergesprekken in Beheer: rounds for a teacher's groups (the office: all groups)."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from app.access import staff_required, taught_group_ids
from app.csv_export import csv_download
from app.extensions import db
from app.formatting import date_nl
from app.forms import ConfirmForm
from app.htmx import render_page
from app.meetings import services, staff_bp
from app.meetings.forms import (
    DayForm,
    RoomForm,
    RoundDetailsForm,
    RoundForm,
    StaffBookForm,
    invitation_fields,
)
from app.meetings.services import MeetingError, NeedsConfirmation, NotInRound
from app.models import Group


def _group_choices(user):
    ids = taught_group_ids(user)
    groups = db.session.scalars(db.select(Group).where(Group.id.in_(ids)).order_by(Group.sort_order, Group.name))
    return [SelectChoice(group.id, group.label) for group in groups]


def _to_round(round_, anchor=""):
    return redirect(url_for("staff_meetings.round_page", round_id=round_.id) + anchor, code=303)


@staff_bp.get("/")
@staff_required
def index():
    return render_page("meetings/staff/index.html", rounds=services.rounds_for_staff(current_user))


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def new_round():
    form = RoundForm()
    form.group.choices = _group_choices(current_user)
    error = None
    if form.validate_on_submit():
        try:
            round_ = services.create_round(current_user, form.group.data, form.title.data, form.info.data)
        except MeetingError as exc:
            error = exc.message
        else:
            flash("De gespreksronde is aangemaakt. Voeg nu dagen toe en nodig leerlingen uit.", "success")
            return _to_round(round_)
    status = 422 if (form.errors or error) else 200
    return render_page("meetings/staff/new.html", form=form, error=error, status=status)


def _round_page(round_, status=200, round_form=None, day_form=None, error=None, error_at=None,
                confirm=False, room_error=None):
    if round_form is None:
        round_form = RoundDetailsForm(obj=round_, formdata=None)
    return render_page(
        "meetings/staff/round.html",
        status=status,
        round=round_,
        round_form=round_form,
        day_form=day_form or DayForm(formdata=None),
        action_form=ConfirmForm(),
        pupils=services.children_of_round(round_),
        error=error,
        error_at=error_at,
        confirm_past=confirm,
        room_error=room_error,
    )


@staff_bp.get("/<int:round_id>")
@staff_required
def round_page(round_id):
    return _round_page(services.round_for_staff(current_user, round_id))


@staff_bp.post("/<int:round_id>")
@staff_required
def edit_round(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    form = RoundDetailsForm()  # the group of a round is fixed once made
    if form.validate_on_submit():
        told = services.update_round(current_user, round_, form.title.data, form.info.data)
        flash("De gegevens zijn opgeslagen." + (" De ouders van de uitgenodigde leerlingen krijgen een e-mail "
                                                "met de nieuwe informatie." if told else ""), "success")
        return _to_round(round_)
    return _round_page(round_, 422, round_form=form, error_at="gegevens")


@staff_bp.post("/<int:round_id>/verwijderen")
@staff_required
def delete_round(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    try:
        services.delete_round(round_)
    except MeetingError as exc:
        return _round_page(round_, 409, error=exc.message, error_at="status")
    flash("De gespreksronde is verwijderd.", "success")
    return redirect(url_for("staff_meetings.index"), code=303)


@staff_bp.post("/<int:round_id>/dagen")
@staff_required
def add_day(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    form = DayForm()
    if form.validate_on_submit():
        try:
            services.add_day(round_, form.date.data, form.starts_at.data, form.ends_at.data,
                             form.slot_minutes.data, form.breaks.data, form.room.data,
                             confirm_past=form.confirm_past.data)
        except MeetingError as exc:
            db.session.rollback()
            return _round_page(round_, 422, day_form=form, error=exc.message, error_at="dagen",
                               confirm=isinstance(exc, NeedsConfirmation))
        flash("De dag is toegevoegd.", "success")
        return _to_round(round_, "#dagen")
    return _round_page(round_, 422, day_form=form, error_at="dagen")


@staff_bp.post("/<int:round_id>/dagen/<int:day_id>/verwijderen")
@staff_required
def remove_day(round_id, day_id):
    round_ = services.round_for_staff(current_user, round_id)
    try:
        services.remove_day(round_, day_id)
    except NotInRound:
        abort(404)
    except MeetingError as exc:
        return _round_page(round_, 409, error=exc.message, error_at="dagen")
    flash("De dag is verwijderd.", "success")
    return _to_round(round_, "#dagen")


@staff_bp.post("/<int:round_id>/dagen/<int:day_id>/lokaal")
@staff_required
def set_room(round_id, day_id):
    round_ = services.round_for_staff(current_user, round_id)
    form = RoomForm()
    if form.validate_on_submit():
        try:
            changed = services.set_day_room(current_user, round_, day_id, form.room.data)
        except NotInRound:
            abort(404)
        except MeetingError as exc:
            db.session.rollback()
            return _round_page(round_, 422, error=exc.message, error_at="dagen", room_error=day_id)
        if changed:
            flash("Het lokaal is opgeslagen." + ("" if round_.is_concept else
                  " De ouders van de uitgenodigde leerlingen krijgen een e-mail over het nieuwe lokaal."), "success")
        return _to_round(round_, "#dagen")
    message = " ".join(form.room.errors) or "Het formulier is verlopen. Probeer het opnieuw."
    return _round_page(round_, 422, error=message, error_at="dagen", room_error=day_id)


@staff_bp.post("/<int:round_id>/uitnodigingen")
@staff_required
def save_invitations(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    try:
        services.save_invitations(current_user, round_, invitation_fields(request.form, services.children_of_round(round_)))
    except MeetingError as exc:
        return _round_page(round_, 422, error=exc.message, error_at="uitnodigingen")
    flash("De uitnodigingen zijn opgeslagen.", "success")
    return _to_round(round_, "#uitnodigingen")


@staff_bp.post("/<int:round_id>/openen")
@staff_required
def open_round(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    try:
        services.open_round(current_user, round_)
    except MeetingError as exc:
        return _round_page(round_, 409, error=exc.message, error_at="status")
    flash("De inschrijving is geopend. De ouders van de uitgenodigde leerlingen krijgen een e-mail.", "success")
    return _to_round(round_)


@staff_bp.post("/<int:round_id>/sluiten")
@staff_required
def close_round(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    try:
        services.close_round(current_user, round_)
    except MeetingError as exc:
        return _planning_page(round_, 409, error=exc.message)
    flash("De planning is gesloten. De ouders krijgen een e-mail met de definitieve tijd.", "success")
    return redirect(url_for("staff_meetings.planning", round_id=round_.id), code=303)


# --- the planning ----------------------------------------------------------------------------

def _planning_page(round_, status=200, book_form=None, error=None, confirm=False):
    planning = services.staff_planning(round_)
    form = book_form or StaffBookForm(formdata=None)
    _fill_book_choices(form, planning)
    if book_form is None and request.args.get("leerling", "").isdigit():
        form.child.data = int(request.args["leerling"])
    return render_page("meetings/staff/planning.html", status=status, book_form=form,
                       action_form=ConfirmForm(), error=error, confirm_overlap=confirm, **planning)


def _fill_book_choices(form, planning):
    form.child.choices = [
        SelectChoice(inv.child_id, inv.child.name + (" (2 tijdsloten)" if inv.slots_needed == 2 else ""))
        for inv in planning["invitations"]
    ]
    form.slot.choices = [
        SelectChoice(slot.id, services.time_range(slot.starts_at, slot.ends_at), optgroup=date_nl(day.date))
        for day in planning["days"] for slot in day.slots if not slot.blocked
    ]


@staff_bp.get("/<int:round_id>/planning")
@staff_required
def planning(round_id):
    return _planning_page(services.round_for_staff(current_user, round_id))


@staff_bp.post("/<int:round_id>/planning/inplannen")
@staff_required
def staff_book(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    form = StaffBookForm()
    _fill_book_choices(form, services.staff_planning(round_))
    if form.validate_on_submit():
        try:
            services.staff_book(current_user, round_, form.child.data, form.slot.data,
                                confirm_overlap=form.confirm_overlap.data)
        except NotInRound:
            abort(404)
        except MeetingError as exc:
            return _planning_page(round_, 422, book_form=form, error=exc.message,
                                  confirm=isinstance(exc, NeedsConfirmation))
        flash("De leerling is ingepland.", "success")
        return redirect(url_for("staff_meetings.planning", round_id=round_id), code=303)
    return _planning_page(round_, 422, book_form=form)


@staff_bp.post("/<int:round_id>/planning/annuleren/<int:child_id>")
@staff_required
def staff_cancel(round_id, child_id):
    round_ = services.round_for_staff(current_user, round_id)
    try:
        services.staff_cancel(current_user, round_, child_id)
    except MeetingError as exc:
        return _planning_page(round_, 409, error=exc.message)
    flash("Het gesprek is geannuleerd.", "success")
    return redirect(url_for("staff_meetings.planning", round_id=round_id), code=303)


@staff_bp.post("/<int:round_id>/planning/tijdslot/<int:slot_id>/<any(blokkeren, vrijgeven):action>")
@staff_required
def block_slot(round_id, slot_id, action):
    round_ = services.round_for_staff(current_user, round_id)
    try:
        services.set_blocked(round_, slot_id, action == "blokkeren")
    except NotInRound:
        abort(404)
    except MeetingError as exc:
        return _planning_page(round_, 409, error=exc.message)
    flash("Het tijdslot is geblokkeerd." if action == "blokkeren" else "Het tijdslot is vrijgegeven.", "success")
    return redirect(url_for("staff_meetings.planning", round_id=round_id) + f"#slot-{slot_id}", code=303)


@staff_bp.get("/<int:round_id>/afdrukken")
@staff_required
def print_view(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    return render_page("meetings/staff/print.html", **services.staff_planning(round_))


@staff_bp.get("/<int:round_id>/planning.csv")
@staff_required
def export_csv(round_id):
    round_ = services.round_for_staff(current_user, round_id)
    filename = f"oudergesprekken-{round_.group.name.replace('/', '-')}-{round_.id}.csv"
    return csv_download(filename, ["Datum", "Begin", "Eind", "Leerling", "Status"], services.export_rows(round_))
