"""Messages in the notification catalog (app/notifications/catalog.py): a general message
is a line in the weekly digest ("Berichten en oproepen"), a spoedbericht a mail of its
own the same evening ("Spoedberichten")."""
from app.models import Message
from app.notifications.catalog import (
    Kind,
    Preference,
    SubjectType,
    register_kind,
    register_preference,
    register_subject_type,
)
from app.notifications.registry import item_audience, item_notice
from app.notifications.timing import local

register_preference(Preference("urgent", "Spoedberichten", position=10))
register_preference(Preference("messages", "Berichten en oproepen", position=20))

MESSAGE = register_subject_type(SubjectType(
    "message", Message, "messages.show", "message_id", label="Berichten", position=10,
    badge=lambda message: "Spoed" if message.urgent else None,
))


def describe_message(message):
    return {"title": message.title, "url": MESSAGE.url(message.id), "label": "Bericht",
            "date": local(message.created_at)}


register_kind(Kind(
    name="message", label="Bericht", timing="weekly", subject_type="message", preference="messages",
    recipients=item_audience, describe=describe_message,
    # A message that became a spoedbericht is mailed as one (its own event), not twice.
    wanted=lambda message: not message.urgent,
))
register_kind(Kind(
    name="urgent_message", label="Spoedbericht", timing="evening", subject_type="message",
    preference="urgent", recipients=item_audience,
    render=item_notice(MESSAGE, "Spoedbericht", "notify_urgent", "message"),
))
