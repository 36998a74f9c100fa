"""Beheer's start page: the counts that matter, each one bounded query.

- Gesprekken: unanswered conversations (the last message a parent's) and those with a
  message the staff member has not read, per group (clickable);
- Berichten: parents' replies of the last REPLY_DAYS days on messages they manage;
- Afwezigheid today (app/absence/daylist.today_summary);
- open meeting rounds of their groups with how many invited pupils have no time yet.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, func, select

from app import clock
from app.access import managed_clause, taught_group_ids
from app.conversations.queries import staff_groups_with_open, unanswered_count, unread_count
from app.extensions import db
from app.models import (ROUND_OPEN, Group, MeetingBooking, MeetingInvitation, MeetingReservation, MeetingRound,
                        Message, MessageReply, Role, User)

REPLY_DAYS = 7


@dataclass
class ConversationCounts:
    unanswered: int
    unread: int
    groups: list  # [(group, unanswered)]


def conversation_counts(user):
    return ConversationCounts(unanswered_count(user), unread_count(user), staff_groups_with_open(user))


def recent_replies(user):
    """Parents' replies of the last REPLY_DAYS days on messages this staff member manages."""
    since = clock.utcnow() - timedelta(days=REPLY_DAYS)
    return db.session.scalar(
        select(func.count(MessageReply.id)).join(Message, Message.id == MessageReply.message_id)
        .join(User, User.id == MessageReply.author_id)
        .where(managed_clause(user, Message), MessageReply.created_at >= since, User.role == Role.PARENT)) or 0


def open_rounds(user):
    """[(round, group, invited, without a time)] of the open rounds of this user's groups (one query)."""
    booked = exists().where(
        MeetingReservation.round_id == MeetingInvitation.round_id,
        MeetingReservation.child_id == MeetingInvitation.child_id,
        exists().where(MeetingBooking.reservation_id == MeetingReservation.id))
    rows = db.session.execute(
        select(MeetingRound, Group, func.count(MeetingInvitation.id),
               func.count(MeetingInvitation.id).filter(~booked))
        .join(Group, Group.id == MeetingRound.group_id)
        .outerjoin(MeetingInvitation, MeetingInvitation.round_id == MeetingRound.id)
        .where(MeetingRound.status == ROUND_OPEN, MeetingRound.group_id.in_(taught_group_ids(user)))
        .group_by(MeetingRound.id, Group.id).order_by(Group.sort_order, MeetingRound.id)).all()
    return [tuple(row) for row in rows]


