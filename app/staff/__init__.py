from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/beheer")

from app.staff import routes  # noqa: E402,F401
