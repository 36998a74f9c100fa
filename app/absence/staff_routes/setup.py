"""Beheer › Afwezigheid › Instellingen: the times of a school day, the reasons, the holidays.
Views are thin: app/absence/setup.py."""
from flask import abort, flash, redirect, request, url_for

from app.absence import setup, staff_bp
from app.absence.calendar import AbsenceSettings, absence_settings
from app.absence.staff_forms import HolidayForm, NewReasonForm, ReasonForm, TimesForm
from app.access import admin_required
from app.extensions import db
from app.forms import ConfirmForm
from app.htmx import render_page
from app.models import AbsenceReason, SchoolHoliday


def _page(times=None, reason_form=None, holiday_form=None, error=None, status=200):
    current = absence_settings()
    times = times or TimesForm(formdata=None, data={
        "cutoff": current.cutoff, "afternoon": current.afternoon, "minutes_morning": current.minutes_morning,
        "minutes_afternoon": current.minutes_afternoon})
    return render_page("absence/staff_settings.html", status=status, times=times,
                       reason_form=reason_form or NewReasonForm(formdata=None), reasons=setup.reason_rows(),
                       holiday_form=holiday_form or HolidayForm(formdata=None), holidays=setup.holiday_list(),
                       error=error)


@staff_bp.route("/instellingen", methods=["GET", "POST"])
@admin_required
def settings():
    if request.method == "GET":
        return _page()
    form = TimesForm()
    if form.validate_on_submit():
        try:
            setup.save_times(AbsenceSettings(form.cutoff.data, form.afternoon.data, form.minutes_morning.data,
                                             form.minutes_afternoon.data))
        except setup.SetupRefused as exc:
            form.afternoon.errors = list(form.afternoon.errors) + [str(exc)]
        else:
            flash("De tijden zijn opgeslagen.", "success")
            return redirect(url_for("staff_absence.settings"))
    return _page(times=form, status=422)


@staff_bp.post("/instellingen/redenen")
@admin_required
def reason_new():
    form = NewReasonForm()
    if form.validate_on_submit():
        try:
            reason = setup.add_reason(form.name.data, form.excused.data, form.needs_note.data, form.staff_only.data)
        except setup.SetupRefused as exc:
            form.name.errors = list(form.name.errors) + [str(exc)]
        else:
            flash(f"De reden ‘{reason.name}’ is toegevoegd.", "success")
            return redirect(url_for("staff_absence.settings") + "#redenen")
    return _page(reason_form=form, status=422)


@staff_bp.route("/instellingen/redenen/<int:reason_id>", methods=["GET", "POST"])
@admin_required
def reason_edit(reason_id):
    reason = db.get_or_404(AbsenceReason, reason_id)
    form = ReasonForm(obj=reason)
    error = None
    if form.validate_on_submit():
        try:
            setup.update_reason(reason, form.name.data, form.excused.data, form.needs_note.data, form.staff_only.data,
                                form.active.data)
        except setup.SetupRefused as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(f"De reden ‘{reason.name}’ is opgeslagen.", "success")
            return redirect(url_for("staff_absence.settings") + "#redenen")
    uses = dict((each.id, count) for each, count in setup.reason_rows())[reason.id]
    status = 422 if (form.errors or error) else 200
    return render_page("absence/staff_reason_edit.html", status=status, reason=reason, form=form, uses=uses,
                       error=error, confirm_form=ConfirmForm(formdata=None))


@staff_bp.post("/instellingen/redenen/<int:reason_id>/verplaatsen")
@admin_required
def reason_move(reason_id):
    reason = db.get_or_404(AbsenceReason, reason_id)
    step = {"omhoog": -1, "omlaag": 1}.get(request.form.get("richting"))
    if not ConfirmForm().validate_on_submit() or step is None:
        abort(400)
    setup.move_reason(reason, step)
    return redirect(url_for("staff_absence.settings") + f"#reden-{reason.id}")


@staff_bp.post("/instellingen/redenen/<int:reason_id>/verwijderen")
@admin_required
def reason_delete(reason_id):
    reason = db.get_or_404(AbsenceReason, reason_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = reason.name
    try:
        setup.delete_reason(reason)
    except setup.SetupRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff_absence.reason_edit", reason_id=reason_id))
    flash(f"De reden ‘{name}’ is verwijderd.", "success")
    return redirect(url_for("staff_absence.settings") + "#redenen")


@staff_bp.post("/instellingen/vakanties")
@admin_required
def holiday_new():
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            holiday = setup.add_holiday(form.name.data, form.first_day.data, form.last_day.data)
        except setup.SetupRefused as exc:
            form.last_day.errors = list(form.last_day.errors) + [str(exc)]
        else:
            flash(f"De vakantie ‘{holiday.name}’ is toegevoegd.", "success")
            return redirect(url_for("staff_absence.settings") + "#vakanties")
    return _page(holiday_form=form, status=422)


@staff_bp.post("/instellingen/vakanties/<int:holiday_id>/verwijderen")
@admin_required
def holiday_delete(holiday_id):
    holiday = db.get_or_404(SchoolHoliday, holiday_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = holiday.name
    setup.delete_holiday(holiday)
    flash(f"De vakantie ‘{name}’ is verwijderd.", "success")
    return redirect(url_for("staff_absence.settings") + "#vakanties")
