"""Fotoalbums: albums for the school or groups, never public.

`bp` is the parents' side (/fotoalbums, every image through an access-checked route),
`staff_bp` the Beheer pages (/beheer/fotoalbums, many photos uploaded at once).
"""
from flask import Blueprint

bp = Blueprint("albums", __name__, url_prefix="/fotoalbums")
staff_bp = Blueprint("staff_albums", __name__, url_prefix="/beheer/fotoalbums")
