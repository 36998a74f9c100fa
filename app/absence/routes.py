"""The parents' side of Afwezigheid (/afwezigheid): their children's reports and leave
requests, ziekmelden for one or more children, verlof aanvragen. Objects come through
app/access (absence_report_for, leave_request_for): another family's is a 404; a
read-only link sees everything but cannot report (403). Staff have their own pages in
Beheer (staff_routes/); here they are sent there.

Plain forms and redirects (no htmx): after saving, the flash message names each child
and says when a report came after the start of the school day."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app import clock
from app.absence import bp, parents
from app.absence.forms import LEAVE_EXPLANATIONS, LeaveForm, ReportFields, ReportForm
from app.absence.leave import (LeaveRefused, goes_to_attendance_officer, keep_statement, statement_from_token,
                               statement_token, submit_leave, withdraw_leave)
from app.absence.calendar import has_started
from app.absence.reports import (BY_SCHOOL, STARTED, WITHDRAWN, AbsenceRefused, change_report, create_reports,
                                 report_recovered as recover, until_text, withdraw_report)
from app.absence.statements import send_statement
from app.access import absence_report_for, can_edit_child, leave_request_for
from app.formatting import date_nl
from app.forms import ConfirmForm
from app.htmx import render_page
from app.request_input import db_int

PART_TEXT = {"dag": "", "ochtend": " (alleen de ochtend)", "middag": " (vanaf de middag)"}
LATE_TEXT = "De melding is na aanvang van de schooldag gedaan; de leerkracht krijgt haar direct."


def names_text(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def period_text(reason, start, part, end):
    return f"{reason.name}, vanaf {date_nl(start)}{PART_TEXT.get(part, '')}, {until_text(start, end)}"


def refuse(form, refusal):
    """Put the service's Dutch refusal on its field (when the form has it); the message
    for the top of the page."""
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(refusal)]
    return str(refusal)


def _staff_away():
    return redirect(url_for("staff_absence.index"))


def _overview(page_error=None, status=200):
    blocks = parents.family_overview(current_user)
    return render_page("absence/index.html", status=status, blocks=blocks,
                       leave_requests=parents.family_leave(current_user),
                       may_report=any(not block.read_only for block in blocks), page_error=page_error,
                       school_year=clock.school_year())


@bp.get("")
@login_required
def index():
    if current_user.is_staff:
        return _staff_away()
    return _overview()


# --- reports -----------------------------------------------------------------------------

def _form_page(form, children=None, report=None, page_error=None, locked=None, status=200):
    return render_page("absence/report_form.html", status=status, form=form, children=children, report=report,
                       page_error=page_error, locked=locked)


@bp.route("/melden", methods=["GET", "POST"])
@login_required
def report_new():
    if current_user.is_staff:
        return _staff_away()
    children = parents.writable_children(current_user)
    if not children:
        abort(403)  # a read-only link sees, but the school decides
    form = ReportForm()
    form.offer_reasons()
    if request.method == "GET":
        form.start_date.data = clock.today()
        chosen = request.args.get("leerling", type=db_int)
        form.children.data = [child.id for child in children if len(children) == 1 or child.id == chosen]
    page_error = None
    if form.validate_on_submit():
        try:
            reports = create_reports(current_user, form.children.data, form.chosen_reason, form.note.data,
                                     form.start_date.data, form.part.data, form.end)
        except AbsenceRefused as refusal:
            page_error = refuse(form, refusal)
        else:
            first = reports[0]
            message = (f"De afwezigheid van {names_text(r.child.first_name for r in reports)} is gemeld: "
                       f"{period_text(first.reason, first.start_date, first.part, first.end_date)}.")
            flash(f"{message} {LATE_TEXT}" if first.late else message, "warning" if first.late else "success")
            return redirect(url_for("absence.index"))
    return _form_page(form, children=children, page_error=page_error,
                      status=422 if request.method == "POST" else 200)


def _locked_text(report):
    """Why a parent can no longer change this report, or None."""
    if report.withdrawn_at is not None:
        return WITHDRAWN
    if report.reason is not None and report.reason.staff_only:
        return BY_SCHOOL
    if has_started(report.start_date, report.part):
        return STARTED
    return None


@bp.route("/<int:report_id>/wijzigen", methods=["GET", "POST"])
@login_required
def report_edit(report_id):
    report = absence_report_for(current_user, report_id, write=True)  # other family: 404; read-only: 403
    if current_user.is_staff:
        return redirect(url_for("staff_absence.report_edit", report_id=report.id))
    form = ReportFields()
    form.offer_reasons(keep=report.reason)
    if request.method == "GET":
        form.fill_from(report)
        return _form_page(form, report=report, locked=_locked_text(report))
    page_error = None
    if form.validate_on_submit():
        try:
            changed = change_report(current_user, report, form.chosen_reason, form.note.data, form.start_date.data,
                                    form.part.data, form.end)
        except AbsenceRefused as refusal:
            page_error = refuse(form, refusal)
        else:
            name = report.child.first_name
            flash(f"De melding voor {name} is gewijzigd: {period_text(report.reason, report.start_date, report.part, report.end_date)}."
                  if changed else "Er is niets gewijzigd.", "success")
            return redirect(url_for("absence.index", _anchor=f"melding-{report.id}"))
    return _form_page(form, report=report, page_error=page_error, status=422)


def _report_action(report_id, action):
    """A POST button on the overview (or Home): withdraw or "weer beter"."""
    report = absence_report_for(current_user, report_id, write=True)
    if current_user.is_staff:
        abort(403)  # staff change reports in Beheer
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, report)
    except AbsenceRefused as refusal:
        return None, _overview(page_error=str(refusal), status=422)
    return report, None


@bp.post("/<int:report_id>/intrekken")
@login_required
def report_withdraw(report_id):
    report, refused = _report_action(report_id, withdraw_report)
    if refused is not None:
        return refused
    flash(f"De melding voor {report.child.first_name} "
          f"({period_text(report.reason, report.start_date, report.part, report.end_date)}) is ingetrokken.",
          "success")
    return redirect(url_for("absence.index"))


@bp.post("/<int:report_id>/beter")
@login_required
def report_recovered(report_id):
    report, refused = _report_action(report_id, recover)
    if refused is not None:
        return refused
    name = report.child.first_name
    if report.end_date < clock.today():
        text = f"{name} is weer beter gemeld en komt vandaag weer naar school. De melding loopt tot en met " \
               f"{date_nl(report.end_date)}."
    else:
        text = f"{name} is weer beter gemeld. De melding loopt tot en met vandaag; morgen komt {name} weer naar school."
    flash(text, "success")
    return redirect(url_for("absence.index"))


# --- leave ---------------------------------------------------------------------------------

def _leave_page(form, children, checks=None, page_error=None, status=200):
    kept = statement_from_token(current_user, form.statement_token.data)
    return render_page("absence/leave_form.html", status=status, form=form, children=children, checks=checks,
                       page_error=page_error, kept_statement=kept["statement_name"] if kept else None,
                       explanations=LEAVE_EXPLANATIONS)


def _leave_refused(form, refusal):
    form.statement_token.data = refusal.statement_token
    for name, message in refusal.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
    return next(iter(refusal.errors.values()))


@bp.route("/verlof/aanvragen", methods=["GET", "POST"])
@login_required
def leave_new():
    if current_user.is_staff:
        return _staff_away()
    children = parents.writable_children(current_user)
    if not children:
        abort(403)
    form = LeaveForm()
    if request.method == "GET":
        form.children.data = [child.id for child in children] if len(children) == 1 else []
        return _leave_page(form, children)
    upload = request.files.get(form.statement.name)
    if not form.validate_on_submit():
        statement, refusal = keep_statement(current_user, upload, form.statement_token.data)
        form.statement_token.data = statement_token(current_user, statement)
        if refusal:
            form.statement.errors = [*form.statement.errors, refusal]
        return _leave_page(form, children, status=422)
    try:
        result = submit_leave(current_user, form.kind.data, form.children.data, form.first_day.data,
                              form.last_day.data, form.reason.data, upload=upload, token=form.statement_token.data,
                              confirmed=form.checks_seen.data if form.confirm.data else "")
    except LeaveRefused as refusal:
        return _leave_page(form, children, page_error=_leave_refused(form, refusal), status=422)
    if result.request is None:
        form.statement_token.data = result.statement_token
        form.checks_seen.data = result.fingerprint
        form.confirm.data = False
        return _leave_page(form, children, checks=result.checks)
    flash("Uw aanvraag is ingediend.", "success")
    return redirect(url_for("absence.leave_show", request_id=result.request.id))


def _may_withdraw(leave_request):
    return (current_user.is_parent and leave_request.is_pending
            and all(can_edit_child(current_user, child) for child in leave_request.children))


def _leave_show(leave_request, page_error=None, status=200):
    return render_page("absence/leave_show.html", status=status, leave=leave_request, page_error=page_error,
                       may_withdraw=_may_withdraw(leave_request),
                       attendance_officer=goes_to_attendance_officer(leave_request))


@bp.get("/verlof/<int:request_id>")
@login_required
def leave_show(request_id):
    return _leave_show(leave_request_for(current_user, request_id))


@bp.post("/verlof/<int:request_id>/intrekken")
@login_required
def leave_withdraw(request_id):
    leave_request = leave_request_for(current_user, request_id, write=True)
    if current_user.is_staff:
        abort(403)  # only the parents withdraw; the office decides in Beheer
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        withdraw_leave(current_user, leave_request)
    except LeaveRefused as refusal:
        return _leave_show(leave_request, page_error=str(refusal), status=409)
    flash("Uw aanvraag is ingetrokken.", "success")
    return redirect(url_for("absence.leave_show", request_id=leave_request.id))


@bp.get("/verlof/<int:request_id>/verklaring")
@login_required
def leave_statement(request_id):
    return send_statement(leave_request_for(current_user, request_id))
