"""The mail a parent gets when the school office made one of their privacy choices
stricter (app/privacy/choices.py), in the notification catalog (app/notifications/catalog.py).

The service records an event in the same transaction as the stricter level (subject: the
child, or the parent whose own field it was; payload: the fields, old and new level), and
after the commit asks the dispatcher to send it at once. So the mail has a durable record
before anything is enqueued: when the queue does not answer, the worker's minute tick
sends it (app/jobs/__init__.py). One notice per event (key "event:<id>"): two changes are
two mails, as each says what changed.

Not switchable (preference None), like the account mails: it is about the parent's own
data, not school news. The dispatcher narrows the audience to activated, not deactivated
parent accounts (so never to an erased account, nor to an address never confirmed). Both
subject types are `private`: no section of Beheer > E-mail, and a failed mail shows in its
failed list to the office only.
"""
from sqlalchemy import false, select, true

from app.jobs.delivery import build_message
from app.models import Child, Guardianship, Role, User
from app.notifications.catalog import Kind, SubjectType, register_kind, register_subject_type
from app.privacy.choices import CHILD_FIELDS, LEVELS, MAIL_KINDS, PARENT_FIELDS

# Each kind has a subject type of the same name (NotificationEvent.subject_type).
CHILD_KIND = CHILD_SUBJECT = MAIL_KINDS["child"]
PARENT_KIND = PARENT_SUBJECT = MAIL_KINDS["user"]


def _office_only(user):
    return true() if user.role == Role.ADMIN else false()


register_subject_type(SubjectType(
    CHILD_SUBJECT, Child, "children.privacy", "child_id", label="Privacy", position=80, private=True,
    managed=_office_only, title=lambda child: f"Privacy van {child.first_name}",
))
register_subject_type(SubjectType(
    PARENT_SUBJECT, User, "account.privacy", "user_id", label="Privacy", position=81, private=True,
    managed=_office_only, title=lambda user: "Privacy van een ouder",
))


def _changes(event, labels):
    fields = ((event.payload or {}).get("fields") or []) if event is not None else []
    return [(labels[name], LEVELS[old], LEVELS[new]) for name, old, new in fields
            if name in labels and old in LEVELS and new in LEVELS]


def render(notice):
    """The mail of one event (its item), or None when nothing in it is still known."""
    item = notice.items[0]
    child = item.subject if item.subject_type == CHILD_SUBJECT else None
    changes = _changes(item.event, CHILD_FIELDS if child is not None else PARENT_FIELDS)
    if not changes:
        return None
    recipient = notice.recipient
    if child is not None:
        name = " ".join(child.first_name.split())  # one line in a header
        subject = f"Privacy-instelling van {name} strenger gemaakt door de school"
    else:
        subject = "Uw privacy-instelling is strenger gemaakt door de school"
    return build_message(recipient.email, subject, "privacy_stricter", user=recipient, child=child,
                         changes=changes)


def _event_key(event):
    return f"event:{event.id}"


register_kind(Kind(
    name=CHILD_KIND, label="Privacy strenger gemaakt", timing="immediate", subject_type=CHILD_SUBJECT,
    preference=None, render=render, key=_event_key,
    recipients=lambda event, child: select(Guardianship.parent_id).where(Guardianship.child_id == child.id),
))
register_kind(Kind(
    name=PARENT_KIND, label="Privacy strenger gemaakt", timing="immediate", subject_type=PARENT_SUBJECT,
    preference=None, render=render, key=_event_key,
    recipients=lambda event, user: select(User.id).where(User.id == user.id),
))
