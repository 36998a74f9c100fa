"""Gesprekken: what the pages show, in a bounded number of queries.

Read status: a user's ConversationRead is when they last opened the conversation. A
message is "gelezen" by the other side once someone of that side (staff; or a guardian
who may see the conversation) opened it after the message reached them (its visible_at).
Unread for a user: a message of the other side (for staff: of a parent) that reached them
after their last visit. Staff never see a parent's message before its visible_at.
"""
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload

from app import clock
from app.access.conversations import conversation_clause
from app.extensions import db
from app.models import Child, Conversation, ConversationMessage, ConversationRead, Group, Role, User
from app.pagination import Page, clamp_page

PER_PAGE = 20


def _reached(user):
    """Messages that reached this user (a WHERE on ConversationMessage)."""
    if user.is_staff:
        return ConversationMessage.visible_at <= clock.utcnow()
    return ConversationMessage.visible_at.is_not(None)


def _from_other_side(user):
    if user.is_staff:
        return ConversationMessage.by_staff.is_(False)
    return ConversationMessage.author_id.is_distinct_from(user.id)


def unread_clause(user):
    """A WHERE on Conversation: it holds a message the user has not seen yet."""
    # Correlated to the outer Conversation explicitly: nested in the EXISTS, SQLAlchemy would
    # otherwise add `conversations` to its FROM (any conversation's read: a wrong answer on
    # SQLite, "more than one row" on PostgreSQL).
    last_read = (select(ConversationRead.read_at)
                 .where(ConversationRead.conversation_id == Conversation.id, ConversationRead.user_id == user.id)
                 .correlate(Conversation).scalar_subquery())
    return exists().where(
        ConversationMessage.conversation_id == Conversation.id, _reached(user), _from_other_side(user),
        or_(last_read.is_(None), ConversationMessage.visible_at > last_read,
            ConversationMessage.created_at > last_read))


def unread_count(user):
    return db.session.scalar(select(func.count(Conversation.id))
                             .where(conversation_clause(user), unread_clause(user))) or 0


def unanswered_count(user):
    """Conversations this staff member reaches whose last message is a parent's."""
    return db.session.scalar(select(func.count(Conversation.id))
                             .where(conversation_clause(user), Conversation.answered_at.is_(None))) or 0


@dataclass
class Row:
    conversation: Conversation
    unread: bool
    last: ConversationMessage | None


def _last_messages(user, ids):
    """{conversation id: newest message that reached the user} in one query."""
    if not ids:
        return {}
    newest = (select(func.max(ConversationMessage.id))
              .where(ConversationMessage.conversation_id.in_(ids), _reached(user))
              .group_by(ConversationMessage.conversation_id))
    rows = db.session.scalars(select(ConversationMessage).where(ConversationMessage.id.in_(newest))
                              .options(joinedload(ConversationMessage.author)))
    return {row.conversation_id: row for row in rows}


def listing(user, page=1, only_open=False, group_id=None):
    """One page of the user's conversations, newest first: [Row] (four queries)."""
    where = [conversation_clause(user)]
    if only_open:
        where.append(Conversation.answered_at.is_(None))
    if group_id is not None:
        where.append(Conversation.child.has(Child.group_id == group_id))
    total = db.session.scalar(select(func.count(Conversation.id)).where(*where)) or 0
    page, pages = clamp_page(page, total, PER_PAGE)
    rows = db.session.execute(
        select(Conversation, unread_clause(user).label("unread")).where(*where)
        .options(joinedload(Conversation.child).joinedload(Child.group), joinedload(Conversation.parent))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    last = _last_messages(user, [row[0].id for row in rows])
    items = [Row(conversation, bool(unread), last.get(conversation.id)) for conversation, unread in rows]
    return Page(items=items, page=page, pages=pages, total=total)


@dataclass
class ThreadMessage:
    message: ConversationMessage
    read_by_other_side: bool
    waiting_until: object  # the visible_at still ahead (a parent's own message in quiet hours), or None


def thread(user, conversation):
    """The messages of the conversation that reached the user, with read status (two queries)."""
    messages = db.session.scalars(
        select(ConversationMessage).where(ConversationMessage.conversation_id == conversation.id, _reached(user))
        .options(joinedload(ConversationMessage.author)).order_by(ConversationMessage.id)).all()
    reads = db.session.execute(
        select(ConversationRead.read_at, User.role).join(User, User.id == ConversationRead.user_id)
        .where(ConversationRead.conversation_id == conversation.id)).all()
    staff_read = max((at for at, role in reads if role != Role.PARENT), default=None)
    parents_read = max((at for at, role in reads if role == Role.PARENT), default=None)
    now = clock.utcnow()
    result = []
    for message in messages:
        other = parents_read if message.by_staff else staff_read
        arrived = message.visible_at <= now
        result.append(ThreadMessage(message, arrived and other is not None and other >= message.visible_at,
                                    None if arrived else message.visible_at))
    return result


def staff_groups_with_open(user):
    """[(group, unanswered count)] of the groups this staff member reaches (one query)."""
    rows = db.session.execute(
        select(Group, func.count(Conversation.id)).join(Child, Child.group_id == Group.id)
        .join(Conversation, Conversation.child_id == Child.id)
        .where(conversation_clause(user), Conversation.answered_at.is_(None))
        .group_by(Group.id).order_by(Group.sort_order)).all()
    return [(group, count) for group, count in rows]


def message_in(conversation, message_id, user):
    """A message of this conversation that reached the user, or None."""
    return db.session.scalar(select(ConversationMessage).where(
        ConversationMessage.id == message_id, ConversationMessage.conversation_id == conversation.id,
        _reached(user)))

