"""News items: what a user may read, and creating/changing/removing them (Beheer).

Parents see an item from its publication moment on; staff who manage an item may look
at it before (a preview). Each service owns its transaction.
"""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.access import can_manage, item_for, managed_clause, visible_clause
from app.audience import apply_audience, resolve_audience
from app.clock import to_utc
from app.extensions import db
from app.images import delete_image, save_image
from app.models import NewsItem, utcnow
from app.notifications.services import record_event

PER_PAGE = 10
STAFF_PER_PAGE = 25


# --- reading -----------------------------------------------------------------------------

def published_news(user):
    """The query for what this user reads on /nieuws: visible and published, newest first."""
    return (
        select(NewsItem)
        .where(visible_clause(user, NewsItem), NewsItem.published_at <= utcnow())
        .options(selectinload(NewsItem.groups))
        .order_by(NewsItem.published_at.desc(), NewsItem.id.desc())
    )


def news_page(user, page):
    return db.paginate(published_news(user), page=page, per_page=PER_PAGE, error_out=False)


def recent_news(user, limit=3):
    return db.session.scalars(published_news(user).limit(limit)).all()


def news_item_for(user, item_id):
    """One item the user may read, or 404. Before publication only its managers see it."""
    item = item_for(user, NewsItem, item_id)
    if not item.is_published and not (user.is_staff and can_manage(user, item)):
        abort(404)
    return item


def managed_news_page(user, page):
    query = (
        select(NewsItem)
        .where(managed_clause(user, NewsItem))
        .options(selectinload(NewsItem.groups))
        .order_by(NewsItem.published_at.desc(), NewsItem.id.desc())
    )
    return db.paginate(query, page=page, per_page=STAFF_PER_PAGE, error_out=False)


# --- changing ----------------------------------------------------------------------------

def create_news(author, *, title, body, published_at, school_wide, group_ids, image_file=None):
    """Create a news item and record the 'news' notification event in the same transaction.

    `published_at` is a naive Europe/Amsterdam time (the form's value). Raises
    AudienceError or UploadError (Dutch messages) before anything is stored.
    """
    item = NewsItem(title=title.strip(), body=body, published_at=to_utc(published_at), author=author)
    apply_audience(item, author, school_wide, group_ids)
    image = None
    if image_file is not None and getattr(image_file, "filename", ""):
        image = save_image(image_file, purpose="news", uploaded_by=author)
    item.image = image
    try:
        db.session.add(item)
        db.session.flush()
        record_event("news", "news", item.id, author)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the image's objects go with it (app/storage/transaction.py)
        raise
    return item


def update_news(editor, item, *, title, body, published_at, school_wide, group_ids,
                image_file=None, remove_image=False):
    """Change a news item (the audience is checked again). Raises like create_news."""
    groups = resolve_audience(editor, bool(school_wide), list(group_ids or []))
    new_image = None
    if image_file is not None and getattr(image_file, "filename", ""):
        new_image = save_image(image_file, purpose="news", uploaded_by=editor)
    old_image = item.image if (new_image is not None or remove_image) else None
    try:
        item.title = title.strip()
        item.body = body
        item.published_at = to_utc(published_at)
        item.school_wide = bool(school_wide)
        item.groups = groups
        if new_image is not None or remove_image:
            item.image = new_image
        if old_image is not None:
            delete_image(old_image)  # its objects go after the commit
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return item


def delete_news(item):
    image = item.image
    db.session.delete(item)
    if image is not None:
        delete_image(image)
    db.session.commit()
