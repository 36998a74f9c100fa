"""Groepen: all groups of the school, each with its teachers, pupils and their parents,
every field as its owner's privacy allows (app/privacy.py). Also serves profile and pupil
photos, with the same privacy check."""
from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groepen")
