"""The tab "Toestemming" of Mijn kinderen › Leerling bekijken."""
from flask import render_template
from flask_login import current_user, login_required

from app.access import child_for
from app.consent import bp


@bp.get("/<int:child_id>/toestemming")
@login_required
def show(child_id):
    child = child_for(current_user, child_id)
    return render_template("consent/show.html", child=child)
