"""Toestemming beeldmateriaal: parents give or refuse consent per child, purpose and school
year; the office keeps the purposes; staff see who has consent (the rules: app/privacy/consent.py).

`bp` is the parents' side (the tab "Toestemming" of Mijn kinderen, under /kinderen),
`staff_bp` the Beheer pages (/beheer/toestemming: overview per group, purposes, the yearly request).
"""
from flask import Blueprint

bp = Blueprint("consent", __name__, url_prefix="/kinderen")
staff_bp = Blueprint("staff_consent", __name__, url_prefix="/beheer/toestemming")
