"""Home (the dashboard) and the health check."""
from flask import jsonify
from flask_login import current_user, login_required

from app.access import children_of
from app.home import bp
from app.home.health import health
from app.home.panels import panels_for
from app.htmx import render_page


@bp.get("/")
@login_required
def index():
    children = children_of(current_user) if current_user.is_parent else []
    return render_page("home/index.html", children=children, panels=panels_for(current_user))


@bp.get("/healthz")
def healthz():
    """Database, Redis, the worker's heartbeat and the oldest unsent mail (app/home/health.py)."""
    report, status = health()
    return jsonify(report), status
