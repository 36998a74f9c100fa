"""Beheer › Toestemming: per group who has consent for what; the purposes; the yearly request."""
from flask import render_template

from app.access import staff_required
from app.consent import staff_bp


@staff_bp.get("")
@staff_required
def index():
    return render_template("consent/staff_index.html")
