"""Beheer for the school office: groups, children, parents and staff, accounts, CSV import,
the new school year, settings and the audit log. Office (beheerder) only."""
from flask import Blueprint

staff_bp = Blueprint("admin", __name__, url_prefix="/beheer/school")
