"""Staff register an absence for a pupil of their groups, and change a report."""
from flask_login import current_user

from app.absence import staff_bp
from app.access import absence_report_for, staff_required
from app.htmx import render_page


@staff_bp.route("/melden", methods=["GET", "POST"])
@staff_required
def report_new():
    return render_page("absence/staff_index.html", user=current_user)


@staff_bp.route("/melding/<int:report_id>", methods=["GET", "POST"])
@staff_required
def report_edit(report_id):
    absence_report_for(current_user, report_id)
    return render_page("absence/staff_index.html", user=current_user)
