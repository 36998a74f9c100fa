"""Gesprekken: the actions. Each owns its transaction and records its notices.

- `start(parent, child, with_whom, subject, text, private, upload)`: a parent starts a
  conversation about one of their children with the leerkracht or the administratie;
- `post(user, conversation, text, upload)`: a message in it, by a parent or staff;
- `from_reply(staff, reply, child, subject, text)`: staff answer a Berichten reply in a
  conversation with that parent (only that parent: a reply is personal, so "alleen voor mij");
- `mark_read(user, conversation)`: read status, per user.

A parent's message outside the working hours is visible to staff from the next start
(app/conversations/hours.py), and its notice is due then (app/conversations/mail.py).
Every change is in the audit log (subject: the child), by field name only.
"""
import logging

from sqlalchemy import select

from app import clock
from app.audit import record_change
from app.conversations import attachments, hours
from app.extensions import db
from app.jobs import enqueue
from app.models import Conversation, ConversationMessage, ConversationRead, Guardianship
from app.notifications.services import record_event

log = logging.getLogger(__name__)

MAX_SUBJECT, MAX_TEXT = 150, 5000
STAFF_KIND, PARENT_KIND = "conversation_staff", "conversation_parent"


class Refused(Exception):
    """An action that may not be done; str(error) is the Dutch reason."""


def _message(conversation, author, text, upload, reply=None):
    now = clock.utcnow()
    message = ConversationMessage(conversation=conversation, author_id=author.id, by_staff=author.is_staff,
                                  text=text.strip(), created_at=now,
                                  visible_at=now if author.is_staff else hours.visible_at_utc(),
                                  reply_id=getattr(reply, "id", None))
    if attachments.has_upload(upload):
        attachments.attach(message, upload)  # raises UploadError before anything is committed
    db.session.add(message)
    conversation.last_message_at = max(conversation.last_message_at or message.visible_at, message.visible_at)
    conversation.answered_at = now if author.is_staff else None
    db.session.flush()
    kind = STAFF_KIND if not author.is_staff else PARENT_KIND
    record_event(kind, "conversation", conversation.id, author, message_id=message.id,
                 due=message.visible_at.isoformat())
    fields = ["conversation"] + (["attachment"] if message.attachment_stored else [])
    record_change(author, "child", conversation.child_id, "bericht in gesprek", fields)
    _read(author, conversation, now)
    return message


def _commit_and_send():
    db.session.commit()
    try:
        enqueue("app.jobs.notifications.dispatch_now")
    except Exception:  # noqa: BLE001  (the minute tick sends the recorded events)
        log.exception("Could not enqueue the notification dispatcher for a conversation")


def start(parent, child, with_whom, subject, text, private, upload=None):
    """A new conversation (the caller checked the child with app.access). Returns it."""
    conversation = Conversation(child_id=child.id, parent_id=parent.id, with_whom=with_whom,
                                subject=subject.strip(), private=bool(private), created_at=clock.utcnow())
    db.session.add(conversation)
    try:
        message = _message(conversation, parent, text, upload)
        record_change(parent, "child", child.id, "gesprek gestart", ["conversation"])
        _commit_and_send()
    except Exception:
        db.session.rollback()
        raise
    return conversation, message


def post(user, conversation, text, upload=None):
    """A message in a conversation the user reached through app.access. Returns it."""
    if user.is_parent and db.session.get(Guardianship, (user.id, conversation.child_id)) is None:
        raise Refused("U kunt in dit gesprek niet meer schrijven.")
    try:
        message = _message(conversation, user, text, upload)
        _commit_and_send()
    except Exception:
        db.session.rollback()
        raise
    return message


def from_reply(staff, reply, child, subject, text):
    """Answer a Berichten reply in a new conversation with its author ("alleen voor mij":
    the reply was seen by that parent and staff only). Returns the conversation."""
    with_whom = "administratie" if staff.is_admin and child.group_id not in _taught(staff) else "leerkracht"
    conversation = Conversation(child_id=child.id, parent_id=reply.author_id, with_whom=with_whom,
                                subject=subject.strip(), private=True, created_at=clock.utcnow())
    db.session.add(conversation)
    try:
        _message(conversation, staff, text, None, reply=reply)
        record_change(staff, "child", child.id, "gesprek gestart", ["conversation"])
        _commit_and_send()
    except Exception:
        db.session.rollback()
        raise
    return conversation


def _taught(staff):
    from app.models import group_teachers

    return set(db.session.scalars(select(group_teachers.c.group_id).where(group_teachers.c.user_id == staff.id)))


def _read(user, conversation, moment):
    row = db.session.get(ConversationRead, (conversation.id, user.id))
    if row is None:
        db.session.add(ConversationRead(conversation_id=conversation.id, user_id=user.id, read_at=moment))
    else:
        row.read_at = moment


def mark_read(user, conversation):
    """The user opened the conversation now (committed; a race with a second tab is harmless)."""
    from sqlalchemy.exc import IntegrityError

    _read(user, conversation, clock.utcnow())
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
