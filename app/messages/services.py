"""Berichten: queries and actions. Each action owns its transaction.

Who sees what (decided here and in app/access.py):
- a message: the office all; a teacher school-wide ones and those of their groups; a
  parent school-wide ones and those of their children's current groups;
- a reply: its author and the staff who manage the message (the office always, a teacher
  for messages wholly of their groups). Not the other parent of the same child: a reply
  is a personal answer to the school, and the two parents of a child may live apart.
- read status: staff who manage the message.
"""
from datetime import timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.access import can_manage, managed_clause, visible_clause
from app.audience import apply_audience, resolve_audience
from app.extensions import db
from app.models import Child, Guardianship, Message, MessageRead, MessageReply, Role, User, utcnow
from app.names import person_sort_key
from app.notifications.services import record_event
from app.pagination import Page, clamp_page

PER_PAGE = 20
# A spoedbericht stays on top of Home for this long after it was posted.
URGENT_ON_HOME = timedelta(days=7)
URGENT_ON_HOME_MAX = 5
HOME_RECENT = 5
MAX_REPLY_LENGTH = 4000


class ReplyRefused(Exception):
    """A reply that may not be posted; str(error) is the Dutch reason."""


def _is_read(user):
    """Read: opened (a receipt), or written by this user (staff never wait for their own)."""
    # coalesce: a message without author (NULL) must not make NOT(...) unknown in SQL.
    return or_(func.coalesce(Message.author_id, 0) == user.id,
               exists().where(MessageRead.message_id == Message.id, MessageRead.user_id == user.id))


def _with_read_flag(user, where, order, limit=None, offset=None):
    """[(message, is_read)] in two queries (messages with read flag, their groups)."""
    query = (
        select(Message, _is_read(user).label("is_read"))
        .where(where)
        .options(selectinload(Message.groups))
        .order_by(*order)
    )
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return [(row[0], bool(row[1])) for row in db.session.execute(query).all()]


def messages_for(user, page=1):
    """One page of the messages this user may read, newest first, with a read flag."""
    clause = visible_clause(user, Message)
    total = db.session.scalar(select(func.count(Message.id)).where(clause)) or 0
    page, pages = clamp_page(page, total, PER_PAGE)
    items = _with_read_flag(user, clause, (Message.created_at.desc(), Message.id.desc()),
                            limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return Page(items=items, page=page, pages=pages, total=total)


def unread_count(user):
    return db.session.scalar(
        select(func.count(Message.id)).where(visible_clause(user, Message), ~_is_read(user))
    ) or 0


def current_urgent_for(user):
    """Spoedberichten of the last week that this user may read: [(message, is_read)]."""
    since = utcnow() - URGENT_ON_HOME
    return _with_read_flag(
        user,
        and_(visible_clause(user, Message), Message.urgent.is_(True), Message.created_at >= since),
        (Message.created_at.desc(), Message.id.desc()),
        limit=URGENT_ON_HOME_MAX,
    )


def recent_for(user, exclude_ids=(), limit=HOME_RECENT):
    """The most recent messages for Home, without those already shown as urgent."""
    where = visible_clause(user, Message)
    if exclude_ids:
        where = and_(where, Message.id.not_in(list(exclude_ids)))
    return _with_read_flag(user, where, (Message.created_at.desc(), Message.id.desc()), limit=limit)


def mark_read(user, message):
    """Record that `user` opened `message` (once; a second open changes nothing)."""
    return _mark_read(user, message.id)


def _mark_read(user, message_id):
    already = db.session.scalar(
        select(MessageRead.id).where(MessageRead.message_id == message_id, MessageRead.user_id == user.id)
    )
    if already:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(MessageRead(message_id=message_id, user_id=user.id))
        db.session.commit()
    except IntegrityError:  # the same user opened it in two tabs at once
        db.session.rollback()
        return False
    return True


def mark_all_read(user, messages):
    """Record that `user` has read these messages (unread ones, as the page showed them) in
    full (a spoedbericht on Home): one commit; should another tab have written a receipt
    meanwhile, one by one, leaving theirs as it is."""
    missing = sorted({message.id for message in messages})
    if not missing:
        return
    try:
        db.session.add_all([MessageRead(message_id=message_id, user_id=user.id) for message_id in missing])
        db.session.commit()
    except IntegrityError:  # another tab wrote one meanwhile: one by one, keeping theirs
        db.session.rollback()
        for message_id in missing:
            _mark_read(user, message_id)


def replies_visible_to(user, message):
    """The replies this user may see: all for staff who manage it, else only their own."""
    query = select(MessageReply).where(MessageReply.message_id == message.id)
    if not (user.is_staff and can_manage(user, message)):
        query = query.where(MessageReply.author_id == user.id)
    query = query.options(selectinload(MessageReply.author)).order_by(MessageReply.created_at, MessageReply.id)
    return db.session.scalars(query).all()


def can_reply(user, message):
    return user.is_parent and message.replies_allowed


def add_reply(user, message, text):
    """Store a parent's reply; raises ReplyRefused when replying is not possible."""
    if not user.is_parent:
        raise ReplyRefused("Alleen ouders kunnen op een bericht reageren.")
    if not message.replies_allowed:
        raise ReplyRefused("Op dit bericht kunt u niet reageren.")
    text = (text or "").strip()
    if not text:
        raise ReplyRefused("Schrijf eerst uw reactie.")
    if len(text) > MAX_REPLY_LENGTH:
        raise ReplyRefused(f"Uw reactie is te lang (maximaal {MAX_REPLY_LENGTH} tekens).")
    reply = MessageReply(message_id=message.id, author_id=user.id, text=text)
    db.session.add(reply)
    # Replying implies having read it.
    if not db.session.scalar(select(MessageRead.id).where(MessageRead.message_id == message.id,
                                                           MessageRead.user_id == user.id)):
        db.session.add(MessageRead(message_id=message.id, user_id=user.id))
    db.session.commit()
    return reply


# --- staff -----------------------------------------------------------------------------

def managed_messages(user, page=1):
    """One page of the messages this staff member manages, with read and reply counts."""
    clause = managed_clause(user, Message)
    total = db.session.scalar(select(func.count(Message.id)).where(clause)) or 0
    page, pages = clamp_page(page, total, PER_PAGE)
    reads = (select(func.count(MessageRead.id)).where(MessageRead.message_id == Message.id)
             .correlate(Message).scalar_subquery())
    replies = (select(func.count(MessageReply.id)).where(MessageReply.message_id == Message.id)
               .correlate(Message).scalar_subquery())
    rows = db.session.execute(
        select(Message, reads.label("reads"), replies.label("replies"))
        .where(clause)
        .options(selectinload(Message.groups))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return Page(items=[(m, r, p) for m, r, p in rows], page=page, pages=pages, total=total)


def audience_parents(message):
    """The parents the message is for: guardians of current pupils in its audience."""
    query = (
        select(User)
        .join(Guardianship, Guardianship.parent_id == User.id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(User.role == Role.PARENT, User.deactivated_at.is_(None),
               Child.left_at.is_(None), Child.group_id.is_not(None))
    )
    if not message.school_wide:
        query = query.where(Child.group_id.in_([group.id for group in message.groups]))
    return db.session.scalars(query.distinct().order_by(User.sort_name, User.id)).all()


def read_status(message):
    """(read, not_read): [(user, read_at)] of the audience and [user] who did not open it.

    Someone who read it but is no longer in the audience (a pupil changed group) still
    counts as read.
    """
    receipts = db.session.execute(
        select(MessageRead, User).join(User, User.id == MessageRead.user_id)
        .where(MessageRead.message_id == message.id)
        .order_by(MessageRead.read_at)
    ).all()
    read_by = {user.id: (user, receipt.read_at) for receipt, user in receipts if user.role == Role.PARENT}
    not_read = [user for user in audience_parents(message) if user.id not in read_by]
    return sorted(read_by.values(), key=lambda pair: person_sort_key(pair[0])), not_read


def create_message(author, *, title, text, school_wide, group_ids, urgent, replies_allowed):
    """Create a message and record its notification in the same transaction.

    Raises app.audience.AudienceError (Dutch message) when the audience is not allowed.
    """
    message = Message(
        title=title.strip(), text=text.strip(), urgent=bool(urgent),
        replies_allowed=bool(replies_allowed), author_id=author.id,
    )
    apply_audience(message, author, school_wide, group_ids)
    db.session.add(message)
    db.session.flush()
    record_event("urgent_message" if message.urgent else "message", "message", message.id, author)
    db.session.commit()
    return message


def update_message(user, message, *, title, text, school_wide, group_ids, urgent, replies_allowed):
    """Change a message (the audience is checked again; raises AudienceError).

    Not mailed again, except when it becomes a spoedbericht: that is news for the parents.
    """
    groups = resolve_audience(user, bool(school_wide), list(group_ids or []))
    if urgent and not message.urgent:
        record_event("urgent_message", "message", message.id, user)
    message.title = title.strip()
    message.text = text.strip()
    message.school_wide = bool(school_wide)
    message.groups = groups
    message.urgent = bool(urgent)
    message.replies_allowed = bool(replies_allowed)
    db.session.commit()


def delete_message(message):
    db.session.delete(message)
    db.session.commit()
