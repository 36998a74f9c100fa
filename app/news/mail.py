"""News in the notification catalog (app/notifications/catalog.py): a line in the weekly
digest, switched off with "Nieuws"."""
from app.models import NewsItem
from app.notifications.catalog import (
    Kind,
    Preference,
    SubjectType,
    register_kind,
    register_preference,
    register_subject_type,
)
from app.notifications.registry import item_audience
from app.notifications.timing import local

register_preference(Preference("news", "Nieuws", position=30))

NEWS = register_subject_type(SubjectType(
    "news", NewsItem, "news.detail", "item_id", label="Nieuws", position=30,
    shown_at=lambda item: item.published_at,
))


def describe_news(item):
    return {"title": item.title, "url": NEWS.url(item.id), "label": "Nieuws",
            "date": local(item.published_at)}


register_kind(Kind(
    name="news", label="Nieuws", timing="weekly", subject_type="news", preference="news",
    recipients=item_audience, describe=describe_news,
    # A news item published later waits for the digest after its publication.
    ready=lambda item, now: item.published_at <= now,
))
