"""Gesprekken: one-to-one messages between a parent and the school about one child.

`bp` is the parents' side (/gesprekken), `staff_bp` the Beheer pages (/beheer/gesprekken).
Who reaches which conversation is decided in app/access.py (conversation_clause and
friends); the working hours ("quiet hours" of the teachers) in hours.py; the notices in
mail.py (the catalog); the services in services.py.
"""
from flask import Blueprint

bp = Blueprint("conversations", __name__, url_prefix="/gesprekken")
staff_bp = Blueprint("staff_conversations", __name__, url_prefix="/beheer/gesprekken")
