"""Home (the dashboard) and the health check."""
from flask import current_app, jsonify
from flask_login import current_user, login_required
from sqlalchemy import text

from app.access import children_of
from app.extensions import db
from app.home import bp
from app.home.panels import panels_for
from app.htmx import render_page
from app.pagecache import cached_page


@bp.get("/")
@cached_page
@login_required
def index():
    children = children_of(current_user) if current_user.is_parent else []
    return render_page("home/index.html", children=children, panels=panels_for(current_user))


@bp.get("/healthz")
def healthz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, don't raise: this is the health page
        checks["database"] = f"fout: {exc.__class__.__name__}"
    if current_app.config.get("REDIS_URL"):
        from app.jobs import redis_connection

        try:
            redis_connection().ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"fout: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "fout", checks=checks), 200 if healthy else 503
