"""Agenda for parents (/agenda) and the private feed; the Beheer pages are in staff_routes.py."""
from flask import abort, flash, make_response, redirect, url_for
from flask_login import current_user, login_required

from app.access import item_for
from app.agenda import bp, services
from app.extensions import limiter
from app.htmx import is_htmx, render_page
from app.models import AgendaItem
from app.pagination import page_number


def _feed_context():
    feed = services.feed_of(current_user)
    url = url_for("agenda.feed", token=feed.token, _external=True) if feed else None
    webcal = "webcal://" + url.split("://", 1)[1] if url else None
    return {"feed": feed, "feed_url": url, "webcal_url": webcal}


@bp.get("/")
@login_required
def index():
    listing = services.upcoming_page(current_user, page_number())
    return render_page("agenda/index.html", listing=listing, months=services.by_month(listing.items),
                       earlier=False, **_feed_context())


@bp.get("/eerder")
@login_required
def earlier():
    listing = services.earlier_page(current_user, page_number())
    return render_page("agenda/index.html", listing=listing, months=services.by_month(listing.items),
                       earlier=True, **_feed_context())


@bp.get("/<int:item_id>")
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
