"""Beheer > Bewaartermijn: what the retention job erases, a month ahead; holding a pupil back."""
from flask import render_template

from app.access import admin_required
from app.admin import staff_bp


@staff_bp.get("/bewaartermijn")
@admin_required
def retention():
    return render_template("admin/retention.html")
