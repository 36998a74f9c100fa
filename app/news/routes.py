"""Nieuws for parents (/nieuws); the Beheer pages are in staff_routes.py."""
from flask import abort, request
from flask_login import current_user, login_required

from app.htmx import render_page
from app.news import bp, services
from app.news.markdown import plain_excerpt, render_markdown
from app.pagecache import cached_page
from app.request_input import db_int
from app.storage import send_image


def _page_number():
    return request.args.get("pagina", 1, type=db_int) or 1


@bp.app_template_filter("markdown")
def markdown_filter(text):
    return render_markdown(text)


@bp.app_template_filter("uittreksel")
def excerpt_filter(text, length=220):
    return plain_excerpt(text, length)


@bp.get("/")
@cached_page
@login_required
def index():
    listing = services.news_page(current_user, _page_number())
    if not listing.items and listing.page > 1:
        abort(404)
    return render_page("news/index.html", listing=listing)


@bp.get("/<int:item_id>")
@cached_page
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
