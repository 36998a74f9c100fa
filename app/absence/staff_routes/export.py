"""The CSV export for the leerplicht administration (per group and period)."""
from flask_login import current_user

from app.absence import staff_bp
from app.access import admin_required
from app.htmx import render_page


@staff_bp.get("/export")
@admin_required
def export():
    return render_page("absence/staff_index.html", user=current_user)
