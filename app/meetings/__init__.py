"""Oudergesprekken: parent-teacher meetings that parents book themselves.

`bp` is the parents' side (/oudergesprekken): one invitation per invited child, the slot
list with "Reserveren mogelijk" / "Gereserveerd" / "Gereserveerd – Annuleren".
`staff_bp` is Beheer (/beheer/oudergesprekken): rounds, days, invitations, the planning,
closing and export. The booking rules are constraints in app/models/meetings.py; the
logic is in the services package (a module per job, see its docstring), times in
times.py, mail in mail.py.
"""
from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/oudergesprekken")
staff_bp = Blueprint("staff_meetings", __name__, url_prefix="/beheer/oudergesprekken")
