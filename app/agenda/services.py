"""Agenda items: what a user may see (upcoming and earlier, by month), the Beheer
changes, and the parent's private iCalendar feed."""
import secrets
from datetime import timedelta
from itertools import groupby

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import clock, ics
from app.access import managed_clause, visible_clause
from app.audience import apply_audience, resolve_audience
from app.extensions import db
from app.models import AgendaItem, CalendarFeed, User
from app.settings import school_name

PER_PAGE = 60
STAFF_PER_PAGE = 40
# The feed holds a year back and everything ahead: enough for a phone, and bounded.
FEED_DAYS_BACK = 365


def today():
    """Today's date in Europe/Amsterdam (the school's day, not UTC's)."""
    return clock.today()


def _ordered(query, newest_first=False):
    if newest_first:
        return query.order_by(AgendaItem.date.desc(), AgendaItem.start_time.desc().nulls_last(), AgendaItem.id.desc())
    return query.order_by(AgendaItem.date, AgendaItem.start_time.asc().nulls_first(), AgendaItem.id)


def visible_items(user):
    return select(AgendaItem).where(visible_clause(user, AgendaItem)).options(selectinload(AgendaItem.groups))


def upcoming_page(user, page):
    query = _ordered(visible_items(user).where(AgendaItem.date >= today()))
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def earlier_page(user, page):
    query = _ordered(visible_items(user).where(AgendaItem.date < today()), newest_first=True)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def by_month(items):
    """[(first day of month, [items])] in the order given."""
    return [(month, list(group)) for month, group in groupby(items, key=lambda item: item.date.replace(day=1))]


def upcoming_for_home(user, limit=5):
    return db.session.scalars(_ordered(visible_items(user).where(AgendaItem.date >= today())).limit(limit)).all()


def managed_page(user, page, earlier=False):
    query = (
        select(AgendaItem)
        .where(managed_clause(user, AgendaItem))
        .where(AgendaItem.date < today() if earlier else AgendaItem.date >= today())
        .options(selectinload(AgendaItem.groups))
    )
    return db.paginate(_ordered(query, newest_first=earlier), page=page, per_page=STAFF_PER_PAGE, error_out=False)


# --- changing ----------------------------------------------------------------------------

def _fill(item, data):
    item.title = data["title"].strip()
    item.date = data["date"]
    item.start_time = data.get("start_time")
    item.end_time = data.get("end_time") if data.get("start_time") else None
    item.location = (data.get("location") or "").strip()
    item.description = (data.get("description") or "").strip()


def create_item(author, *, school_wide, group_ids, **data):
    """Create an agenda item; AudienceError (Dutch) when the audience is not allowed."""
    item = AgendaItem(author=author)
    apply_audience(item, author, school_wide, group_ids)
    _fill(item, data)
    db.session.add(item)
    db.session.commit()
    return item


def update_item(editor, item, *, school_wide, group_ids, **data):
    groups = resolve_audience(editor, bool(school_wide), list(group_ids or []))
    item.school_wide = bool(school_wide)
    item.groups = groups
    _fill(item, data)
    db.session.commit()
    return item


def delete_item(item):
    db.session.delete(item)
    db.session.commit()


# --- the private iCalendar feed ------------------------------------------------------------

def feed_of(user):
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def renew_feed(user):
    """Create the user's feed address, or replace it: the old address stops working."""
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = clock.utcnow()
    feed.last_used_at = None
    db.session.commit()
    return feed


def user_for_token(token):
    """The active account behind a feed token, or None."""
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(
        select(User).join(CalendarFeed, CalendarFeed.user_id == User.id).where(CalendarFeed.token == token)
    )
    if user is None or not user.is_active:
        return None
    return user


def calendar_for(user):
    """The iCalendar text of what this user may see, times in Europe/Amsterdam."""
    # One query whatever the size (selectinload would add a query per 500 items).
    query = (
        select(AgendaItem)
        .where(visible_clause(user, AgendaItem), AgendaItem.date >= today() - timedelta(days=FEED_DAYS_BACK))
        .options(joinedload(AgendaItem.groups))
    )
    items = db.session.scalars(_ordered(query)).unique().all()
    # The host as the UIDs have always had it (with a port, if any): calendars that
    # subscribed keep recognising their events.
    host = current_app.config["PORTAL_URL"].split("//", 1)[-1].split("/")[0] or "ouderportaal"
    return ics.calendar_file("-//Ouderportaal//Mijn School//NL", [_event(item, host) for item in items], properties=[
        ("calscale", "GREGORIAN"),
        ("x-wr-calname", f"{school_name()} – agenda"),
        ("x-wr-timezone", "Europe/Amsterdam"),
        ("refresh-interval", timedelta(hours=6), {"VALUE": "DURATION"}),
        ("x-published-ttl", "PT6H"),
    ])


def _event(item, host):
    """An agenda item as an event: at its times, or all day without a start time."""
    if item.start_time is not None:
        start = ics.amsterdam(item.date, item.start_time)
        end = ics.amsterdam(item.date, item.end_time) if item.end_time is not None else None
    else:
        start, end = item.date, item.date + timedelta(days=1)
    changed = item.updated_at or item.created_at
    return ics.event(
        f"agenda-{item.id}@{host}", start, end, changed,
        summary=item.title if item.school_wide else f"{item.title} ({item.audience_label})",
        last_modified=ics.utc(changed),
        location=item.location or None,
        description=item.description or None,
        url=url_for("agenda.detail", item_id=item.id, _external=True),
        transp="TRANSPARENT",
    )
