"""Agenda for parents (/agenda), the private feed, and its Beheer pages (/beheer/agenda)."""
from flask import abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from app.access import item_for, managed_item_for, staff_required
from app.agenda import bp, services, staff_bp
from app.agenda.forms import AgendaForm
from app.audience import prepare_audience, save_audience_form
from app.extensions import limiter
from app.htmx import is_htmx, render_page
from app.models import AgendaItem
from app.pagecache import cached_page
from app.pagination import page_number


def _feed_context():
    feed = services.feed_of(current_user)
    url = url_for("agenda.feed", token=feed.token, _external=True) if feed else None
    webcal = "webcal://" + url.split("://", 1)[1] if url else None
    return {"feed": feed, "feed_url": url, "webcal_url": webcal}


# --- parents' side ---------------------------------------------------------------------

@bp.get("/")
@cached_page
@login_required
def index():
    listing = services.upcoming_page(current_user, page_number())
    return render_page("agenda/index.html", listing=listing, months=services.by_month(listing.items),
                       earlier=False, **_feed_context())


@bp.get("/eerder")
@cached_page
@login_required
def earlier():
    listing = services.earlier_page(current_user, page_number())
    return render_page("agenda/index.html", listing=listing, months=services.by_month(listing.items),
                       earlier=True, **_feed_context())


@bp.get("/<int:item_id>")
@cached_page
@login_required
def detail(item_id):
    item = item_for(current_user, AgendaItem, item_id)
    return render_page("agenda/detail.html", item=item, is_past=item.date < services.today())


@bp.post("/agenda-link")
@login_required
def renew_feed():
    """Make the private feed address, or a new one (the old one stops working)."""
    had_feed = services.feed_of(current_user) is not None
    services.renew_feed(current_user)
    message = ("U heeft een nieuwe agenda-link. De oude link werkt niet meer."
               if had_feed else "Uw persoonlijke agenda-link is klaar.")
    if is_htmx():
        return render_page("agenda/_feed.html", "agenda/_feed.html", feed_message=message, **_feed_context())
    flash(message, "success")
    return redirect(url_for("agenda.index") + "#agenda-link")


@bp.get("/feed/<token>.ics")
@limiter.limit("60 per minute")
def feed(token):
    """The private iCalendar feed: no login (a phone calendar polls it); the token is the key."""
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    response = make_response(services.calendar_for(user))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Beheer ------------------------------------------------------------------------------

@staff_bp.get("/", endpoint="index")
@staff_required
def manage():
    earlier = request.args.get("eerder") == "1"
    listing = services.managed_page(current_user, page_number(), earlier=earlier)
    return render_page("agenda/staff_index.html", listing=listing, earlier=earlier)


def _save(form, item=None):
    def store(**audience):
        data = dict(title=form.title.data, date=form.date.data, start_time=form.start_time.data,
                    end_time=form.end_time.data, location=form.location.data,
                    description=form.description.data, **audience)
        if item is None:
            return services.create_item(current_user, **data)
        return services.update_item(current_user, item, **data)

    return save_audience_form(form, current_user, store)


@staff_bp.route("/nieuw", methods=["GET", "POST"])
@staff_required
def create():
    form = AgendaForm()
    prepare_audience(form, current_user)
    if _save(form) is not None:
        flash("Het agenda-item is toegevoegd.", "success")
        return redirect(url_for("staff_agenda.index"))
    return render_page("agenda/staff_form.html", form=form, item=None, status=422 if form.errors else 200)


@staff_bp.route("/<int:item_id>/wijzigen", methods=["GET", "POST"])
@staff_required
def edit(item_id):
    item = managed_item_for(current_user, AgendaItem, item_id)
    form = AgendaForm(obj=item)
    prepare_audience(form, current_user, item)
    if _save(form, item) is not None:
        flash("Het agenda-item is gewijzigd.", "success")
        return redirect(url_for("staff_agenda.index"))
    return render_page("agenda/staff_form.html", form=form, item=item, status=422 if form.errors else 200)


@staff_bp.post("/<int:item_id>/verwijderen")
@staff_required
def delete(item_id):
    item = managed_item_for(current_user, AgendaItem, item_id)
    services.delete_item(item)
    flash("Het agenda-item is verwijderd.", "success")
    return redirect(url_for("staff_agenda.index"))
