"""The office's leave requests: the list and the decision. Views are thin:
app/absence/decisions.py."""
from flask import flash, redirect, url_for
from flask_login import current_user

from app.absence import decisions, staff_bp
from app.absence.staff_forms import DecisionForm, choices
from app.absence.statements import send_statement
from app.access import admin_required, leave_request_for
from app.htmx import render_page


@staff_bp.get("/verlof")
@admin_required
def leave_index():
    pending, decided = decisions.leave_overview()
    return render_page("absence/staff_leave.html", pending=pending, decided=decided)


@staff_bp.route("/verlof/<int:request_id>", methods=["GET", "POST"])
@admin_required
def leave_decide(request_id):
    leave = leave_request_for(current_user, request_id)
    form = DecisionForm(data={"seen_status": leave.status})
    form.action.choices = choices(decisions.actions_for(leave))
    refused = None
    if form.is_submitted() and not form.action.choices:
        refused = decisions.closed_message(leave.status)
    elif form.validate_on_submit():
        try:
            decisions.decide(leave, current_user, form.action.data, form.reason.data, form.seen_status.data)
        except decisions.DecisionRefused as exc:
            refused = str(exc)
        else:
            flash(_done_message(leave), "success")
            return redirect(url_for("staff_absence.leave_decide", request_id=leave.id))
    status = 422 if (form.errors or refused) else 200
    if refused:
        form = DecisionForm(formdata=None, data={"seen_status": leave.status, "reason": form.reason.data})
        form.action.choices = choices(decisions.actions_for(leave))
    return render_page("absence/staff_leave_decide.html", status=status, item=decisions.leave_item(leave), form=form,
                       refused=refused, by_officer=decisions.decided_by_officer(leave))


def _done_message(leave):
    names = ", ".join(child.first_name for child in leave.children)
    if leave.status == "doorgestuurd":
        return f"De aanvraag voor {names} is doorgestuurd naar de leerplichtambtenaar. De ouders krijgen bericht."
    return f"Het verlof voor {names} is {leave.status_label.lower()}. De ouders krijgen het besluit per e-mail."


@staff_bp.get("/verlof/<int:request_id>/verklaring")
@admin_required
def leave_statement(request_id):
    return send_statement(leave_request_for(current_user, request_id))
