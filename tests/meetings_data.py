"""Test data for Oudergesprekken: a round built through the real services."""
from datetime import date, time

from app.extensions import db
from app.meetings import services
from app.models import (
    ROUND_CONCEPT,
    MeetingDay,
    MeetingInvitation,
    MeetingRound,
    MeetingSlot,
)

DAY = date(2026, 3, 10)  # a Tuesday
# The tests' clock (app/clock.py, PRETEND_NOW): a week before DAY, so every slot lies ahead
# whatever the real date. A test about the real clock moves it with `pretend`.
BEFORE_DAY = "2026-03-02 09:00"


def pretend(app, moment=BEFORE_DAY):
    """Pretend it is `moment` (Europe/Amsterdam wall clock, "YYYY-MM-DD HH:MM")."""
    app.config["PRETEND_NOW"] = moment


def make_round(group, invite=(), double=(), status="open", start=time(10, 0), end=time(11, 30),
               minutes=10, breaks="", day=DAY, title="Voortgangsgesprekken maart", info="", messages=None):
    """A round for `group` with one day; `invite` children get 1 slot, `double` children 2."""
    round_ = MeetingRound(group_id=group.id, title=title, info=info, status=ROUND_CONCEPT)
    db.session.add(round_)
    db.session.commit()
    # Test data may lie in the past on purpose (the clock is the test's): no question asked.
    services.add_day(round_, day, start, end, minutes, breaks, confirm_past=True)
    messages = messages or {}
    for child in list(invite) + list(double):
        db.session.add(MeetingInvitation(round_id=round_.id, child_id=child.id,
                                         slots_needed=2 if child in double else 1,
                                         message=messages.get(child.id, "")))
    round_.status = status
    db.session.commit()
    return round_


def slot_at(round_, clock, day=None):
    """The slot of this round starting at 'HH:MM' (on `day`, or on its first day that has one)."""
    hour, minute = map(int, clock.split(":"))
    query = (db.select(MeetingSlot).join(MeetingSlot.day)
             .where(MeetingSlot.round_id == round_.id, MeetingSlot.starts_at == time(hour, minute))
             .order_by(MeetingDay.date).limit(1))
    if day is not None:
        query = query.where(MeetingDay.date == day)
    return db.session.scalar(query)


def book_directly(parent, round_, child, clock):
    """Book through the service, as the parent's click would."""
    invitation = db.session.scalar(db.select(MeetingInvitation).where(
        MeetingInvitation.round_id == round_.id, MeetingInvitation.child_id == child.id))
    return services.book(parent, invitation, slot_at(round_, clock).id, None)
