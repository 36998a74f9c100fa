"""The parents' side of Afwezigheid (/afwezigheid): their children's reports and leave
requests, ziekmelden for one or more children, verlof aanvragen. Objects come through
app/access (absence_report_for, leave_request_for): another family's is a 404; a
read-only link sees everything but cannot report (403)."""
from flask_login import current_user, login_required

from app.absence import bp
from app.absence.statements import send_statement
from app.access import absence_report_for, leave_request_for
from app.htmx import render_page


@bp.get("")
@login_required
def index():
    return render_page("absence/index.html", user=current_user)


@bp.route("/melden", methods=["GET", "POST"])
@login_required
def report_new():
    return render_page("absence/index.html", user=current_user)


@bp.route("/<int:report_id>/wijzigen", methods=["GET", "POST"])
@login_required
def report_edit(report_id):
    absence_report_for(current_user, report_id)
    return render_page("absence/index.html", user=current_user)


@bp.post("/<int:report_id>/intrekken")
@login_required
def report_withdraw(report_id):
    absence_report_for(current_user, report_id, write=True)
    return render_page("absence/index.html", user=current_user)


@bp.post("/<int:report_id>/beter")
@login_required
def report_recovered(report_id):
    absence_report_for(current_user, report_id, write=True)
    return render_page("absence/index.html", user=current_user)


@bp.route("/verlof/aanvragen", methods=["GET", "POST"])
@login_required
def leave_new():
    return render_page("absence/index.html", user=current_user)


@bp.get("/verlof/<int:request_id>")
@login_required
def leave_show(request_id):
    leave_request_for(current_user, request_id)
    return render_page("absence/index.html", user=current_user)


@bp.post("/verlof/<int:request_id>/intrekken")
@login_required
def leave_withdraw(request_id):
    leave_request_for(current_user, request_id, write=True)
    return render_page("absence/index.html", user=current_user)


@bp.get("/verlof/<int:request_id>/verklaring")
@login_required
def leave_statement(request_id):
    return send_statement(leave_request_for(current_user, request_id))
