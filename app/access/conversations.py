"""Gesprekken in the one place of access (app/access): which conversations a user reaches.

A conversation is about one child. Its guardians see it (a read-only link too), unless the
writer chose "alleen voor mij": then only the writer. Staff: a conversation with the
leerkracht reaches the teachers of the child's current group, one with the administratie
the office; the office reaches every conversation. A parent's message written outside the
working hours reaches staff only from its visible_at (app/conversations/hours.py), and a
conversation whose messages are all still ahead is not there for staff at all.
"""
from flask import abort
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import joinedload

from app import clock
from app.access import can_manage, taught_group_ids
from app.extensions import db
from app.models import Child, Conversation, ConversationMessage, Guardianship, MessageReply, Role


def conversation_clause(user):
    """A WHERE clause on Conversation: the conversations this user reaches."""
    if user.role == Role.PARENT:
        return and_(exists().where(Guardianship.parent_id == user.id, Guardianship.child_id == Conversation.child_id),
                    or_(Conversation.private.is_(False), Conversation.parent_id == user.id))
    if not user.is_staff:
        return false()
    arrived = exists().where(ConversationMessage.conversation_id == Conversation.id,
                             ConversationMessage.visible_at <= clock.utcnow())
    if user.role == Role.ADMIN:
        return and_(true(), arrived)
    pupils = select(Child.id).where(Child.group_id.in_(taught_group_ids(user)))
    return and_(Conversation.with_whom == "leerkracht", Conversation.child_id.in_(pupils), arrived)


def conversation_for(user, conversation_id):
    """A conversation this user reaches, or 404 (another family's, another group's, an
    "alleen voor mij" of the other parent, one not yet delivered to staff)."""
    conversation = db.session.scalar(
        select(Conversation).where(Conversation.id == conversation_id, conversation_clause(user))
        .options(joinedload(Conversation.child)))
    if conversation is None:
        abort(404)
    return conversation


def conversation_children(user):
    """The current pupils a parent may start a conversation about (a read-only link too:
    writing to school is not changing the child's data)."""
    return list(db.session.scalars(
        select(Child).join(Guardianship, Guardianship.child_id == Child.id)
        .where(Guardianship.parent_id == user.id, Child.left_at.is_(None), Child.group_id.is_not(None),
               Child.erased_at.is_(None))
        .order_by(Child.first_name, Child.last_name)))


def reply_for_staff(user, reply_id):
    """A Berichten reply of a parent on a message this staff member manages, or 404."""
    reply = db.session.get(MessageReply, reply_id)
    if reply is None or not user.is_staff or not can_manage(user, reply.message) or not reply.author.is_parent:
        abort(404)
    return reply
