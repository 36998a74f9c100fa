"""Beheer › Afwezigheid (/beheer/afwezigheid): the teacher's day list of their groups (the
office: all groups), the office's counts per pupil and the DUO counter, leave decisions,
the CSV export and the settings (reasons, cut-off, holidays)."""
from flask_login import current_user

from app.absence import staff_bp
from app.access import staff_required
from app.htmx import render_page


@staff_bp.get("")
@staff_required
def index():
    return render_page("absence/staff_index.html", user=current_user)
