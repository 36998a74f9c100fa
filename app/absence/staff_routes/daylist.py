"""The day list (Beheer › Afwezigheid) and the office's counts per pupil."""
from flask_login import current_user

from app.absence import staff_bp
from app.access import admin_required, staff_required
from app.htmx import render_page


@staff_bp.get("")
@staff_required
def index():
    return render_page("absence/staff_index.html", user=current_user)


@staff_bp.get("/leerlingen")
@admin_required
def pupils():
    return render_page("absence/staff_index.html", user=current_user)
