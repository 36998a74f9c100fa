"""Who else a meeting concerns: the meetings of a child's brothers and sisters (not to
overlap) and the group's teachers (whom to contact). Reads only; used by the services
and by the mails alike.
"""
from sqlalchemy import func, select

from app.extensions import db
from app.meetings.times import overlapping, time_range
from app.models import (
    ROUND_CONCEPT,
    Child,
    Guardianship,
    MeetingBooking,
    MeetingDay,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
)


def teacher_names(group):
    """The names of the group's teachers with an active account, for "whom to contact"."""
    return sorted(teacher.name for teacher in group.teachers if teacher.deactivated_at is None)


def meetings_of(children, dates, exclude_child_id):
    """The booked meetings of these children (a SELECT of child ids) on these dates, in
    rounds parents see: [(date, start, end, first name, round title)], one per meeting
    (a double meeting is one line from its first start to its last end)."""
    if not dates:
        return []
    return db.session.execute(
        select(MeetingDay.date, func.min(MeetingSlot.starts_at), func.max(MeetingSlot.ends_at),
               Child.first_name, MeetingRound.title)
        .select_from(MeetingBooking)
        .join(MeetingSlot, MeetingSlot.id == MeetingBooking.slot_id)
        .join(MeetingDay, MeetingDay.id == MeetingSlot.day_id)
        .join(MeetingReservation, MeetingReservation.id == MeetingBooking.reservation_id)
        .join(Child, Child.id == MeetingReservation.child_id)
        .join(MeetingRound, MeetingRound.id == MeetingBooking.round_id)
        .where(MeetingReservation.child_id.in_(children), MeetingReservation.child_id != exclude_child_id,
               MeetingDay.date.in_(list(dates)), MeetingRound.status != ROUND_CONCEPT)
        .group_by(MeetingReservation.id, MeetingDay.date, Child.first_name, MeetingRound.title)
    ).all()


def sibling_meetings(user, child_id, dates):
    """The parent's meetings for their other children on these dates."""
    own_children = select(Guardianship.child_id).where(Guardianship.parent_id == user.id)
    return meetings_of(own_children, dates, child_id)


def family_meetings(child, dates):
    """The meetings of the child's brothers and sisters (children sharing a parent with
    it) on these dates: what a teacher planning this child should not overlap."""
    parents = select(Guardianship.parent_id).where(Guardianship.child_id == child.id)
    family = select(Guardianship.child_id).where(Guardianship.parent_id.in_(parents))
    return meetings_of(family, dates, child.id)


def first_overlap(siblings, day_date, start, end):
    """(first name, start, end) of the first of these meetings that overlaps, or None."""
    found = overlapping(siblings, day_date, start, end)
    return (found[0][3], found[0][1], found[0][2]) if found else None


def describe_family_meetings(meetings):
    """'Lotte heeft om 10:35–10:45 al een gesprek (Gesprekken groep 6)' for each meeting."""
    return "; ".join(f"{name} heeft om {time_range(start, end)} al een gesprek ({title})"
                     for _day, start, end, name, title in meetings)
