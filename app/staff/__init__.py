"""Beheer's start page (/beheer): the sections a teacher or the office may open."""
from flask import Blueprint

staff_bp = Blueprint("staff", __name__, url_prefix="/beheer")

from app.staff import staff_routes  # noqa: E402,F401
