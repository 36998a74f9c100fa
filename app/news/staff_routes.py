"""Nieuws in Beheer (/beheer/nieuws): write, change and remove news items."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.access import managed_item_for, staff_required
from app.audience import prepare_audience, save_audience_form
from app.clock import to_local
from app.htmx import render_page
from app.images import UploadError
from app.models import NewsItem, utcnow
from app.news import services, staff_bp
from app.news.forms import NewsForm
from app.pagination import page_number


@staff_bp.get("/", endpoint="index")
@staff_required
def manage():
    listing = services.managed_news_page(current_user, page_number())
    return render_page("news/staff_index.html", listing=listing, now=utcnow())


def _save(form, item=None):
    """Validate and store; returns the item, or None with the errors on the form."""
    def store(**audience):
        fields = dict(title=form.title.data, body=form.body.data, published_at=form.published_at.data,
                      image_file=request.files.get(form.image.name), **audience)
        if item is None:
            return services.create_news(current_user, **fields)
        return services.update_news(current_user, item, remove_image=form.remove_image.data, **fields)

    return save_audience_form(form, current_user, store, {UploadError: form.image})


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def create():
    form = NewsForm()
    prepare_audience(form, current_user)
    if not form.is_submitted():
        form.published_at.data = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    item = _save(form)
    if item is not None:
        flash("Het nieuwsbericht is geplaatst." if item.is_published
              else "Het nieuwsbericht is opgeslagen en verschijnt op de publicatiedatum.", "success")
        return redirect(url_for("staff_news.index"))
    return render_page("news/staff_form.html", form=form, item=None, status=422 if form.errors else 200)


@staff_bp.route("/<int:item_id>/wijzigen", methods=["GET", "POST"])
@staff_required
def edit(item_id):
    item = managed_item_for(current_user, NewsItem, item_id)
    form = NewsForm(obj=item)
    prepare_audience(form, current_user, item)
    if not form.is_submitted():
        form.published_at.data = to_local(item.published_at).replace(tzinfo=None, second=0, microsecond=0)
    if _save(form, item) is not None:
        flash("Het nieuwsbericht is gewijzigd.", "success")
        return redirect(url_for("staff_news.index"))
    return render_page("news/staff_form.html", form=form, item=item, status=422 if form.errors else 200)


@staff_bp.post("/<int:item_id>/verwijderen")
@staff_required
def delete(item_id):
    item = managed_item_for(current_user, NewsItem, item_id)
    services.delete_news(item)
    flash("Het nieuwsbericht is verwijderd.", "success")
    return redirect(url_for("staff_news.index"))
