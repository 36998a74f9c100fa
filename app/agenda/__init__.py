"""Agenda: school and group agenda items, the parent's private iCalendar feed, and the
Beheer pages."""
from flask import Blueprint

bp = Blueprint("agenda", __name__, url_prefix="/agenda")
staff_bp = Blueprint("staff_agenda", __name__, url_prefix="/beheer/agenda")
