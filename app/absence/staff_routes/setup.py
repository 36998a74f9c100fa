"""Beheer › Afwezigheid › Instellingen: reasons, cut-off time, hours of a day, holidays."""
from flask_login import current_user

from app.absence import staff_bp
from app.access import admin_required
from app.htmx import render_page


@staff_bp.route("/instellingen", methods=["GET", "POST"])
@admin_required
def settings():
    return render_page("absence/staff_index.html", user=current_user)
