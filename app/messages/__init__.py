"""Berichten: messages and calls ("oproepen") from school, with replies and read status.

`bp` is the parents' side (/berichten), `staff_bp` the Beheer pages (/beheer/berichten).
"""
from flask import Blueprint

bp = Blueprint("messages", __name__, url_prefix="/berichten")
staff_bp = Blueprint("staff_messages", __name__, url_prefix="/beheer/berichten")
