"""Beheer's start page (/beheer): the sections a teacher or the office may open."""
from flask import Blueprint

staff_bp = Blueprint("staff", __name__, url_prefix="/beheer")
