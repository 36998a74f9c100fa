"""Mijn kinderen (parents: a child's data, contact, emergency numbers, privacy, notes) and
Beheer > Notities (teachers write notes for the pupils of their groups, the office for all)."""
from flask import Blueprint

bp = Blueprint("children", __name__, url_prefix="/kinderen")
staff_bp = Blueprint("staff_notes", __name__, url_prefix="/beheer/notities")
