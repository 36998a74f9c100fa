"""Gesprekken in the notification catalog (app/notifications/catalog.py).

Subject "conversation" (subject_id: the conversation); one event per message, recorded by
app/conversations/services.py with the message's id and `due` (its visible_at) in the
payload; the ledger key is the event, so each message mails each recipient once.

- conversation_staff: a parent's message, to the teachers of the child's current group
  (a conversation with the leerkracht) or the office (with the administratie). Due at the
  message's visible_at and only while the working hours hold (app/conversations/hours.py):
  a message written at 21:00 is mailed at the next start (07:30), and a worker that comes
  back at 18:00 waits for the next morning. Switch "Nieuwe berichten van ouders" (staff, on).
- conversation_parent: a staff member's answer, to the parent who started the
  conversation and, unless it is "alleen voor mij", the child's other guardians. At once.
  Switch "Antwoorden in Gesprekken" (parents, on).
The mail names the conversation, never its text (a message can be sensitive), and is
rendered only for a recipient who still reaches the conversation (app.access).
"""
from flask import url_for
from sqlalchemy import false, select

from app import clock
from app.access import remembered
from app.access.conversations import conversation_clause
from app.conversations import hours
from app.extensions import db
from app.models import Child, Conversation, ConversationMessage, Guardianship, Role, User, group_teachers
from app.notifications.catalog import Kind, Preference, SubjectType, register_kind, register_preference, \
    register_subject_type
from app.notifications.registry import notice_message

PARENTS, STAFF = "conversations", "conversations_staff"


def _has_children(user):
    return remembered(("conversation_has_children", user.id), lambda: db.session.scalar(
        select(Guardianship.child_id).where(Guardianship.parent_id == user.id).limit(1)) is not None)


register_preference(Preference(
    PARENTS, "Antwoorden van school in Gesprekken", position=65, applies=_has_children,
    hint="Een e-mail als de school antwoordt in een gesprek over uw kind."))
register_preference(Preference(
    STAFF, "Nieuwe berichten van ouders in Gesprekken", position=40, audience="staff",
    hint=lambda: f"Een e-mail per bericht van een ouder, alleen binnen de werktijden ({hours.working_hours().text} "
                 "op schooldagen); een bericht van buiten de werktijden krijgt u bij het begin van de volgende."))

register_subject_type(SubjectType(
    "conversation", Conversation, "conversations.show", "conversation_id", label="Gesprekken", position=80,
    private=True, managed=conversation_clause, title=lambda conversation: f"Gesprek: {conversation.subject}",
))


def staff_recipients(event, conversation):
    if conversation.with_whom == "administratie":
        return select(User.id).where(User.role == Role.ADMIN)
    return (select(group_teachers.c.user_id).join(Child, Child.group_id == group_teachers.c.group_id)
            .where(Child.id == conversation.child_id))


def parent_recipients(event, conversation):
    guardians = select(Guardianship.parent_id).where(Guardianship.child_id == conversation.child_id)
    if conversation.private:
        guardians = guardians.where(Guardianship.parent_id == conversation.parent_id)
    return guardians


def staff_due(event, conversation, now):
    """Due at the message's visible_at, and only inside the working hours."""
    due = (event.payload or {}).get("due")
    if due and now < clock.parse_moment(due):
        return False
    return hours.within(clock.to_local(now))


def _reaches(user, conversation_id):
    return db.session.scalar(select(Conversation.id).where(Conversation.id == conversation_id,
                                                           conversation_clause(user) if user else false())) is not None


def render(notice):
    item = notice.items[0]
    conversation = item.subject
    message_id = ((item.event.payload or {}) if item.event is not None else {}).get("message_id")
    message = db.session.get(ConversationMessage, message_id) if message_id else None
    if message is None or not _reaches(notice.recipient, conversation.id):
        return None
    for_staff = notice.recipient.is_staff
    endpoint = "staff_conversations.show" if for_staff else "conversations.show"
    author = message.author.name if message.author else "Een ouder"
    subject = (f"Nieuw bericht van {author} over {conversation.child.first_name}" if for_staff
               else f"Antwoord van school over {conversation.child.first_name}")
    return notice_message(notice.recipient, subject, "conversation_message", notice.school_name,
                          conversation=conversation, for_staff=for_staff, author_name=author,
                          hours=hours.working_hours().text,
                          url=url_for(endpoint, conversation_id=conversation.id, _external=True))


register_kind(Kind(
    name="conversation_staff", label="Gesprekken: bericht van een ouder", timing="immediate", audience="staff",
    subject_type="conversation", preference=STAFF, recipients=staff_recipients, render=render,
    ready_for=staff_due, key=lambda event: f"event:{event.id}",
))
register_kind(Kind(
    name="conversation_parent", label="Gesprekken: antwoord aan ouders", timing="immediate",
    subject_type="conversation", preference=PARENTS, recipients=parent_recipients, render=render,
    key=lambda event: f"event:{event.id}",
))

