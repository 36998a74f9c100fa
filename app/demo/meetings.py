"""Demo Oudergesprekken: an open round for groep 3 with a break, some slots booked by
other families, and Sam needing a double meeting (so ouder@example.nl can book 10:40 and
see the manual's example; ouder2@example.nl sees it read-only). No mail is sent."""
from datetime import time, timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.meetings import services
from app.models import (
    ROUND_OPEN,
    Child,
    Guardianship,
    MeetingInvitation,
    MeetingRound,
    MeetingSlot,
    utcnow,
)

TITLE = "Voortgangsgesprekken groep 3"
INFO = ("Graag bespreken we met u hoe het gaat met uw kind: het lezen, het rekenen en hoe uw kind "
        "zich voelt in de groep. De gesprekken duren 10 minuten.")
SAM_MESSAGE = "Ik neem voor ons gesprek wat meer tijd, zodat we rustig over het lezen kunnen praten. Juf Anna"
# Where the meetings are, per day (the .ics LOCATION).
ROOMS = ["Lokaal groep 3", "Speellokaal"]
# Times taken by other families (the slots 10:30–11:00 stay free for the manual's example).
BOOKED = ["08:30", "08:50", "09:10", "09:40", "11:10", "11:30"]


def meeting_day(today=None):
    """A Tuesday two to three weeks ahead: the round is always in the future."""
    today = today or clock.today()
    day = today + timedelta(days=14)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def seed(ctx):
    group = ctx.created["groups"]["3"]
    teacher = ctx.created["teachers"]["juf.anna@schutkampen.example"]
    sam = ctx.created["sam"]
    db.session.flush()
    if db.session.scalar(select(MeetingRound).where(MeetingRound.group_id == group.id, MeetingRound.title == TITLE)):
        return  # idempotent: the round is there already
    round_ = MeetingRound(group_id=group.id, title=TITLE, info=INFO, created_by_id=teacher.id)
    db.session.add(round_)
    db.session.commit()
    first = meeting_day()
    services.add_day(round_, first, time(8, 30), time(12, 0), 10, "10:00-10:20", room=ROOMS[0])
    services.add_day(round_, first + timedelta(days=2), time(13, 0), time(15, 0), 10, "14:00-14:10", room=ROOMS[1])

    pupils = db.session.scalars(
        select(Child).where(Child.group_id == group.id, Child.left_at.is_(None)).order_by(Child.id)
    ).all()
    for child in pupils:
        double = child.id == sam.id
        db.session.add(MeetingInvitation(round_id=round_.id, child_id=child.id, slots_needed=2 if double else 1,
                                         message=SAM_MESSAGE if double else ""))
    round_.status = ROUND_OPEN
    round_.opened_at = utcnow()
    db.session.commit()

    others = [child for child in pupils if child.id != sam.id]
    for child, clock in zip(others, BOOKED):
        parent_link = db.session.scalar(
            select(Guardianship).where(Guardianship.child_id == child.id, Guardianship.read_only.is_(False))
        )
        if parent_link is None:
            continue
        hour, minute = map(int, clock.split(":"))
        slot = db.session.scalar(select(MeetingSlot).join(MeetingSlot.day).where(
            MeetingSlot.round_id == round_.id, MeetingSlot.starts_at == time(hour, minute),
            MeetingSlot.day.has(date=first)))
        invitation = db.session.scalar(select(MeetingInvitation).where(
            MeetingInvitation.round_id == round_.id, MeetingInvitation.child_id == child.id))
        try:
            services.book(parent_link.parent, invitation, slot.id, None)
        except services.MeetingError:
            continue  # e.g. overlapping a sibling's meeting: leave that slot free
