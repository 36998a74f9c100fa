"""Photo albums in the notification catalog (app/notifications/catalog.py): a new album is
a mail of its own the same evening, switched off with "Nieuwe fotoalbums"."""
from app.models import Album
from app.notifications.catalog import (
    Kind,
    Preference,
    SubjectType,
    register_kind,
    register_preference,
    register_subject_type,
)
from app.notifications.registry import item_audience, item_notice

register_preference(Preference("albums", "Nieuwe fotoalbums", position=40))

ALBUM = register_subject_type(SubjectType(
    "album", Album, "albums.show", "album_id", label="Fotoalbums", position=20,
))


register_kind(Kind(
    name="album", label="Nieuw fotoalbum", timing="evening", subject_type="album", preference="albums",
    recipients=item_audience,
    render=item_notice(ALBUM, "Nieuw fotoalbum", "notify_album", "album"),
))
