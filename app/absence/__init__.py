"""Afwezigheid: parents report a child ill or absent and ask for leave (verlof); teachers
see the day list of their groups; the office decides on leave, keeps the reasons, the
cut-off time and the holidays, and exports for the leerplicht administration.

`bp` is the parents' side (/afwezigheid), `staff_bp` the Beheer pages (/beheer/afwezigheid).
The school calendar (school days, cut-off) is in calendar.py, the Leerplichtwet's rules for
leave in leave_rules.py; who reaches which report in app/access.py and app/privacy/absence.py.
"""
from flask import Blueprint

bp = Blueprint("absence", __name__, url_prefix="/afwezigheid")
staff_bp = Blueprint("staff_absence", __name__, url_prefix="/beheer/afwezigheid")
