"""Documenten: school and group documents, downloaded through an access check, and the
Beheer pages where staff upload them."""
from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documenten")
staff_bp = Blueprint("staff_documents", __name__, url_prefix="/beheer/documenten")
