"""Nieuws for parents (/nieuws); the Beheer pages are in staff_routes.py."""
from flask import abort
from flask_login import current_user, login_required

from app.htmx import render_page
from app.images import send_image
from app.news import bp, services
from app.pagination import page_number


@bp.get("/")
@login_required
def index():
    listing = services.news_page(current_user, page_number())
    if not listing.items and listing.page > 1:
        abort(404)
    return render_page("news/index.html", listing=listing)


@bp.get("/<int:item_id>")
@login_required
def detail(item_id):
    item = services.news_item_for(current_user, item_id)
    return render_page("news/detail.html", item=item)


@bp.get("/<int:item_id>/afbeelding")
@bp.get("/<int:item_id>/afbeelding/klein", endpoint="thumbnail", defaults={"thumb": True})
@login_required
def image(item_id, thumb=False):
    item = services.news_item_for(current_user, item_id)
    if item.image is None:
        abort(404)
    return send_image(item.image, thumb=thumb)
