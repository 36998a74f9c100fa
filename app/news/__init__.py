"""Nieuws: news items for parents (newest first, in full) and their Beheer pages."""
from flask import Blueprint

bp = Blueprint("news", __name__, url_prefix="/nieuws")
staff_bp = Blueprint("staff_news", __name__, url_prefix="/beheer/nieuws")
