"""Groepen: the list of all groups and a group's page; profile and pupil photos.

What another family may see is decided by app/privacy.py; these views only pass its
filtered cards to the templates.
"""
from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from app import privacy
from app.extensions import db
from app.groups import bp
from app.htmx import render_page
from app.images import send_image
from app.models import Group


@bp.get("/")
@login_required
def index():
    viewer = privacy.viewer_for(current_user)
    groups = db.session.scalars(select(Group).order_by(Group.sort_order, Group.name)).all() \
        if viewer.in_school else []
    own = viewer.taught if viewer.is_staff else viewer.groups
    return render_page("groups/index.html", groups=groups, own=own, viewer=viewer)


@bp.get("/<int:group_id>")
@login_required
def show(group_id):
    viewer = privacy.viewer_for(current_user)
    if not viewer.in_school:
        abort(404)  # no current pupil: no access to other families' data at all
    group = db.get_or_404(Group, group_id)
    roster = privacy.group_roster(viewer, group)
    return render_page("groups/show.html", roster=roster)


@bp.get("/foto/<int:image_id>", defaults={"size": "groot"})
@bp.get("/foto/<int:image_id>/<any(klein):size>")
@login_required
def photo(image_id, size):
    """A profile or pupil photo: 404 unless the owner's privacy lets this viewer see it."""
    image = privacy.photo_for(privacy.viewer_for(current_user), image_id)
    return send_image(image, thumb=size == "klein")
