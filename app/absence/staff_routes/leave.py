"""The office's leave requests: the list and the decision."""
from flask_login import current_user

from app.absence import staff_bp
from app.absence.statements import send_statement
from app.access import admin_required, leave_request_for
from app.htmx import render_page


@staff_bp.get("/verlof")
@admin_required
def leave_index():
    return render_page("absence/staff_index.html", user=current_user)


@staff_bp.route("/verlof/<int:request_id>", methods=["GET", "POST"])
@admin_required
def leave_decide(request_id):
    leave_request_for(current_user, request_id)
    return render_page("absence/staff_index.html", user=current_user)


@staff_bp.get("/verlof/<int:request_id>/verklaring")
@admin_required
def leave_statement(request_id):
    return send_statement(leave_request_for(current_user, request_id))
