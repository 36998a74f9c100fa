"""The notification kinds of school content: news, messages, spoedberichten and albums.

Registered with app/notifications/registry.py; the dispatcher (app/jobs/notifications.py)
and Beheer > E-mail import this module. The meeting kinds (meeting_opened, meeting_final,
meeting_changed) are registered by app/meetings/mail.py, imported at the end.
"""
from app.models import Album, Message, NewsItem
from app.notifications.registry import (
    Kind,
    SubjectType,
    item_audience,
    notice_message,
    register_kind,
    register_subject_type,
)
from app.notifications.timing import local

NEWS = register_subject_type(SubjectType("news", NewsItem, "news.detail", "item_id", "/nieuws"))
MESSAGE = register_subject_type(SubjectType("message", Message, "messages.show", "message_id", "/berichten"))
ALBUM = register_subject_type(SubjectType("album", Album, "albums.show", "album_id", "/fotoalbums"))


def _single(notice):
    """The subject of a single notice, or None when it is gone."""
    return notice.items[0].subject if notice.items else None


def render_urgent(notice):
    message = _single(notice)
    if message is None:
        return None
    return notice_message(
        notice.recipient, f"Spoedbericht: {message.title}", "notify_urgent", notice.school_name,
        message=message, url=MESSAGE.url(message.id),
    )


def render_album(notice):
    album = _single(notice)
    if album is None:
        return None
    return notice_message(
        notice.recipient, f"Nieuw fotoalbum: {album.title}", "notify_album", notice.school_name,
        album=album, url=ALBUM.url(album.id),
    )


def describe_news(item):
    return {"title": item.title, "url": NEWS.url(item.id), "label": "Nieuws",
            "date": local(item.published_at)}


def describe_message(message):
    return {"title": message.title, "url": MESSAGE.url(message.id), "label": "Bericht",
            "date": local(message.created_at)}


register_kind(Kind(
    name="news", timing="weekly", subject_type="news", preference="news",
    recipients=item_audience, describe=describe_news,
    # A news item published later waits for the digest after its publication.
    ready=lambda item, now: item.published_at <= now,
))
register_kind(Kind(
    name="message", timing="weekly", subject_type="message", preference="messages",
    recipients=item_audience, describe=describe_message,
    # A message that became a spoedbericht is mailed as one (its own event), not twice.
    wanted=lambda message: not message.urgent,
))
register_kind(Kind(
    name="urgent_message", timing="evening", subject_type="message", preference="urgent",
    recipients=item_audience, render=render_urgent,
))
register_kind(Kind(
    name="album", timing="evening", subject_type="album", preference="albums",
    recipients=item_audience, render=render_album,
))


from app.meetings import mail as _meeting_kinds  # noqa: E402,F401  (registers the meeting kinds)
