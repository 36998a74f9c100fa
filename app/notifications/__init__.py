"""Notification e-mail.

services.py records what is to be mailed (record_event, in the item's transaction) and
answers Beheer > E-mail; registry.py and kinds.py say per kind who gets what and when;
timing.py holds the Europe/Amsterdam rules; app/jobs/notifications.py is the dispatcher
the worker runs; cli.py the `flask notifications ...` commands.

`staff_bp` is Beheer > E-mail (/beheer/e-mail): per message, album and news item how
many mails went out, failed or wait, and retrying a failed one.
"""
from flask import Blueprint

staff_bp = Blueprint("staff_mail", __name__, url_prefix="/beheer/e-mail")

from app.notifications import staff_routes  # noqa: E402,F401
