"""Notification e-mail.

services.py records what is to be mailed (record_event, in the item's transaction) and
answers Beheer > E-mail; catalog.py is the catalog of kinds (each registered by the
mail.py of its module: news, messages, albums, meetings), registry.py what the kinds share
(audience, eligibility, the mail's frame); timing.py holds the Europe/Amsterdam rules;
app/jobs/notifications/ is the dispatcher the worker runs; cli.py the `flask
notifications ...` commands.

`staff_bp` is Beheer > E-mail (/beheer/e-mail): per message, album and news item how
many mails went out, failed or wait, and retrying a failed one.
"""
from flask import Blueprint

staff_bp = Blueprint("staff_mail", __name__, url_prefix="/beheer/e-mail")
