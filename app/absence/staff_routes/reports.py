"""Staff register an absence for a pupil of their groups, and change a report.

- /beheer/afwezigheid/melden?leerling=<child id>: any reason the office keeps, the
  staff-only ones too ("Ongeoorloofd afwezig" for a pupil missing without a report, "Te
  laat"), also for a day that has passed;
- /beheer/afwezigheid/melding/<id>: every field, geoorloofd too; withdraw; "weer beter".

The pupil comes through app.access.child_for and the report through absence_report_for:
a pupil or report of another group is a 404 for a teacher. After saving, the day list
of the report's first day (staff_absence.index?dag=<iso date>).
"""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from app import clock
from app.absence import staff_bp
from app.absence.forms import ReportFields, StaffReportEditForm
from app.absence.reports import (AbsenceRefused, change_report, create_reports, recovery_refusal, report_recovered,
                                 until_text, withdraw_report)
from app.access import absence_report_for, child_for, staff_required
from app.formatting import date_nl
from app.forms import ConfirmForm
from app.htmx import render_page
from app.request_input import db_int

PAGE = "absence/staff_report_form.html"


def _day_list(day):
    return redirect(url_for("staff_absence.index", dag=day.isoformat()))


def _refuse(form, refusal):
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(refusal)]
    return str(refusal)


def _what(report):
    return f"{report.reason.name}, vanaf {date_nl(report.start_date)}, {until_text(report.start_date, report.end_date)}"


@staff_bp.route("/melden", methods=["GET", "POST"])
@staff_required
def report_new():
    child_id = request.args.get("leerling", type=db_int)
    if child_id is None:
        abort(404)
    child = child_for(current_user, child_id)  # a pupil of another group: 404
    if not child.is_current:
        abort(404)
    form = ReportFields()
    form.offer_reasons(for_staff=True)
    if request.method == "GET":
        form.start_date.data = clock.today()
    page_error = None
    if form.validate_on_submit():
        try:
            (report,) = create_reports(current_user, [child], form.chosen_reason, form.note.data,
                                       form.start_date.data, form.part.data, form.end)
        except AbsenceRefused as refusal:
            page_error = _refuse(form, refusal)
        else:
            flash(f"De afwezigheid van {child.name} is geregistreerd: {_what(report)}.", "success")
            return _day_list(report.start_date)
    return render_page(PAGE, status=422 if request.method == "POST" else 200, form=form, child=child, report=None,
                       page_error=page_error)


def _action(report, action, done):
    """Withdraw or "weer beter" (a button of the change page)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, report)
    except AbsenceRefused as refusal:
        return None, str(refusal)
    flash(done, "success")
    return _day_list(report.start_date), None


@staff_bp.route("/melding/<int:report_id>", methods=["GET", "POST"])
@staff_required
def report_edit(report_id):
    report = absence_report_for(current_user, report_id)  # a report of another group: 404
    child = report.child
    form = StaffReportEditForm()
    form.offer_reasons(for_staff=True, keep=report.reason)
    action = request.form.get("action") if request.method == "POST" else None
    page_error = None
    if action in ("intrekken", "beter"):
        service, done = ((withdraw_report, f"De melding voor {child.name} is ingetrokken.") if action == "intrekken"
                         else (report_recovered, f"{child.name} is weer beter gemeld."))
        response, page_error = _action(report, service, done)
        if response is not None:
            return response
        form.fill_from(report)
    elif request.method == "GET":
        form.fill_from(report)
    elif form.validate_on_submit():
        try:
            changed = change_report(current_user, report, form.chosen_reason, form.note.data, form.start_date.data,
                                    form.part.data, form.end, excused=form.excused.data)
        except AbsenceRefused as refusal:
            page_error = _refuse(form, refusal)
        else:
            flash(f"De melding voor {child.name} is gewijzigd: {_what(report)}." if changed
                  else "Er is niets gewijzigd.", "success")
            return _day_list(report.start_date)
    return render_page(PAGE, status=422 if request.method == "POST" else 200, form=form, child=child, report=report,
                       page_error=page_error, may_recover=recovery_refusal(report) is None)
