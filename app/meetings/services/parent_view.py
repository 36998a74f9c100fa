"""What parents see: their invitations (Home, the overview) and, per child, the slot list
to book in. Reads only, each in a fixed number of queries."""
from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.extensions import db
from app.meetings.family import first_overlap, sibling_meetings, teacher_names
from app.meetings.times import describe_times, started, times_of
from app.models import (
    ROUND_CLOSED,
    ROUND_OPEN,
    Group,
    Guardianship,
    MeetingBooking,
    MeetingDay,
    MeetingInvitation,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
)


@dataclass
class Invitation:
    """One invitation line for a parent: the child, the round, its booked time."""

    invitation: MeetingInvitation
    read_only: bool
    reservation: MeetingReservation | None
    slots: list = field(default_factory=list)

    @property
    def round(self):
        return self.invitation.round

    @property
    def child(self):
        return self.invitation.child

    @property
    def times(self):
        return times_of(self.slots)

    @property
    def when(self):
        """'dinsdag 10 maart 2026, 10:40–11:00', or '' without a booking."""
        return describe_times(self.times)

    @property
    def room(self):
        """Where the booked meeting is ('' without a booking or a room)."""
        return self.slots[0].day.room if self.slots else ""

    @property
    def teachers(self):
        return teacher_names(self.round.group)

    def still_ahead(self, now):
        """Worth showing on Home: a booked meeting until it has ended; without a booking,
        until the round's last day has ended (to choose a time, or to hear whom to call)."""
        if self.slots:
            last = max(self.slots, key=lambda s: s.position)
            return clock.wall_clock(last.day.date, last.ends_at) > now
        return any(clock.wall_clock(day.date, day.ends_at) > now for day in self.round.days)


def invitations_for_parent(user, statuses=(ROUND_OPEN, ROUND_CLOSED)):
    """The parent's invitations (one per invited child per round), newest round first,
    with each child's booked slots. A fixed number of queries, however many."""
    rows = db.session.execute(
        select(MeetingInvitation, Guardianship.read_only)
        .join(MeetingRound, MeetingRound.id == MeetingInvitation.round_id)
        .join(Guardianship, Guardianship.child_id == MeetingInvitation.child_id)
        .where(Guardianship.parent_id == user.id, MeetingRound.status.in_(statuses))
        .options(joinedload(MeetingInvitation.round).joinedload(MeetingRound.group)
                 .selectinload(Group.teachers),
                 joinedload(MeetingInvitation.child),
                 joinedload(MeetingInvitation.round).selectinload(MeetingRound.days))
        .order_by(MeetingRound.id.desc(), MeetingInvitation.child_id)
    ).unique().all()
    if not rows:
        return []
    round_ids = {inv.round_id for inv, _ in rows}
    child_ids = {inv.child_id for inv, _ in rows}
    reservations = db.session.scalars(
        select(MeetingReservation)
        .where(MeetingReservation.round_id.in_(round_ids), MeetingReservation.child_id.in_(child_ids))
        .options(selectinload(MeetingReservation.bookings).joinedload(MeetingBooking.slot)
                 .joinedload(MeetingSlot.day))
    ).all()
    by_key = {(r.round_id, r.child_id): r for r in reservations}
    result = []
    for invitation, read_only in rows:
        reservation = by_key.get((invitation.round_id, invitation.child_id))
        slots = [b.slot for b in reservation.bookings] if reservation else []
        result.append(Invitation(invitation, read_only, reservation, slots))
    return result


@dataclass
class SlotView:
    slot: "SlotRow"
    # free: "Reserveren mogelijk" (bookable); unavailable: blocked, or too short for a
    # double meeting; past: begun or over ("Voorbij"); own: "Gereserveerd – Annuleren"
    # (the first slot of this child's meeting); own_more: the further slot of this
    # child's double meeting ("Gereserveerd"); taken: another family's ("Gereserveerd",
    # no names).
    state: str
    meeting_end: time | None = None  # end of the meeting if booked from here
    overlaps: str | None = None      # another child of this parent with a meeting then
    # Why a free slot cannot be booked for this child (shown instead of "Niet beschikbaar").
    reason: str | None = None


@dataclass
class DayView:
    day: "DayRow"
    slots: list


@dataclass(slots=True)
class DayRow:
    """A day of the round as the slot list shows it (plain values, not ORM objects)."""

    id: int
    date: object
    room: str
    slots: list = field(default_factory=list)


@dataclass(slots=True)
class SlotRow:
    """A slot as the slot list shows it, its times written once ("10:40")."""

    id: int
    position: int
    starts_at: time
    ends_at: time
    blocked: bool
    day: DayRow
    start: str = ""
    end: str = ""


def round_layout(round_id):
    """The round's days with their slots, in two Core queries of the columns shown: a
    round of 300 slots is read in a fraction of what loading them as ORM objects costs,
    and every booking answers with the whole refreshed list."""
    days = {row.id: DayRow(row.id, row.date, row.room or "") for row in db.session.execute(
        select(MeetingDay.id, MeetingDay.date, MeetingDay.room).where(MeetingDay.round_id == round_id)
        .order_by(MeetingDay.date, MeetingDay.starts_at, MeetingDay.id))}
    for row in db.session.execute(
            select(MeetingSlot.id, MeetingSlot.day_id, MeetingSlot.position, MeetingSlot.starts_at,
                   MeetingSlot.ends_at, MeetingSlot.blocked)
            .where(MeetingSlot.round_id == round_id).order_by(MeetingSlot.day_id, MeetingSlot.position)):
        day = days.get(row.day_id)
        if day is not None:
            day.slots.append(SlotRow(row.id, row.position, row.starts_at, row.ends_at, bool(row.blocked), day,
                                     f"{row.starts_at:%H:%M}", f"{row.ends_at:%H:%M}"))
    return list(days.values())


def parent_planning(user, invitation):
    """Everything the parent's slot list shows for this child (a fixed number of queries)."""
    round_ = invitation.round
    layout = round_layout(round_.id)
    now = clock.now()
    reservation = db.session.scalar(
        select(MeetingReservation).where(MeetingReservation.round_id == round_.id,
                                         MeetingReservation.child_id == invitation.child_id)
        .execution_options(populate_existing=True)
    )
    taken = dict(db.session.execute(
        select(MeetingBooking.slot_id, MeetingBooking.reservation_id).where(MeetingBooking.round_id == round_.id)
    ).all())
    own_ids = {slot_id for slot_id, res_id in taken.items() if reservation and res_id == reservation.id}
    own_slots = [slot for day in layout for slot in day.slots if slot.id in own_ids]
    own_started = bool(own_slots) and started(own_slots, now)
    writable_guardianship = _writable_guardianship(user, invitation)
    needed = invitation.slots_needed
    siblings = sibling_meetings(user, invitation.child_id, {day.date for day in layout})
    days = [DayView(day, _slot_views(day, needed, taken, own_ids, siblings, now)) for day in layout]
    return {
        "round": round_,
        "invitation": invitation,
        "reservation": reservation,
        "days": days,
        "own_slots": own_slots,
        "times": times_of(own_slots),
        "when": describe_times(times_of(own_slots)),
        # A meeting that has begun is history: the parent can no longer move or cancel it.
        "can_change": round_.is_open and writable_guardianship and not own_started,
        "own_started": own_started,
        "read_only": not writable_guardianship,
        "teachers": teacher_names(round_.group),
    }


def _slot_views(day, needed, taken, own_ids, siblings, now):
    """The state of each slot of the day for a child whose meeting takes `needed` slots."""
    slots = day.slots
    views = []
    first_own_seen = False
    for index, slot in enumerate(slots):
        if slot.id in own_ids:
            views.append(SlotView(slot, "own_more" if first_own_seen else "own"))
            first_own_seen = True
        elif slot.id in taken:
            views.append(SlotView(slot, "taken"))
        elif clock.wall_clock(day.date, slot.starts_at) <= now:
            views.append(SlotView(slot, "past"))
        else:
            views.append(_offer(day, slot, slots[index:index + needed], needed, taken, own_ids, siblings))
    return views


def _offer(day, slot, group, needed, taken, own_ids, siblings):
    """A slot not taken and still ahead: free to book from, when every needed slot is there
    (not past the end of the day), consecutive, not a break, and free (or this child's own,
    when moving)."""
    offered = (
        len(group) == needed
        and all(not s.blocked for s in group)
        and all(s.id not in taken or s.id in own_ids for s in group)
        and all(a.ends_at == b.starts_at for a, b in zip(group, group[1:]))
    )
    if not offered:
        return SlotView(slot, "unavailable", reason=_too_short(slot, needed))
    end = group[-1].ends_at
    overlap = first_overlap(siblings, day.date, slot.starts_at, end)
    return SlotView(slot, "free", meeting_end=end, overlaps=overlap[0] if overlap else None)


def _too_short(slot, needed):
    """The reason a slot that is itself free cannot start this child's longer meeting: the
    next slot is a break, taken, or past the end of the day. None for a blocked slot."""
    if slot.blocked or needed == 1:
        return None
    if needed == 2:
        return "Te kort voor een dubbel gesprek"
    return f"Te kort voor een gesprek van {needed} tijdsloten"


def _writable_guardianship(user, invitation):
    link = db.session.get(Guardianship, (user.id, invitation.child_id))
    return link is not None and not link.read_only
