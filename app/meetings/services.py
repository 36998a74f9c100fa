"""Oudergesprekken: rounds, slots, invitations and bookings. Each function that changes
something owns its transaction and commits; a refusal raises MeetingError with a Dutch
message and leaves the database as it was.

Who gets a slot is decided by the database constraints (see app/models/meetings.py):
the services insert and catch IntegrityError, so two parents clicking the same slot at
the same moment give exactly one booking and one clear refusal.

The clock is app/clock.py (a test pretends with PRETEND_NOW): a slot that has started
is no longer booked, changed into or cancelled by a parent; staff still can, to record
what happened. Slot times are Amsterdam wall-clock times (app.clock.wall_clock).
"""
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import abort
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.access import child_for, taught_group_ids
from app.extensions import db
from app.formatting import date_nl
from app.models import (
    ROUND_CLOSED,
    ROUND_CONCEPT,
    ROUND_OPEN,
    Child,
    Group,
    Guardianship,
    MeetingBooking,
    MeetingDay,
    MeetingInvitation,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
    NotificationEvent,
    User,
    utcnow,
)
from app.names import person_sort_key
from app.notifications.services import record_event
from app.request_input import db_int

log = logging.getLogger(__name__)

SLOT_TAKEN = "Dit tijdslot is zojuist door een andere ouder gereserveerd."
SLOT_PAST = "Dit tijdslot is al begonnen of voorbij. Kies een later tijdstip."
INFO_CHANGED = "meeting_info_changed"
MAX_ROOM_LENGTH = 100
ROUND_CLOSED_TEXT = "De planning is gesloten: u kunt uw tijd niet meer wijzigen. Neem zo nodig contact op met de leerkracht."
SLOT_MINUTES_CHOICES = (5, 10, 15, 20, 25, 30, 45, 60)
MAX_MESSAGE_LENGTH = 2000
ANY_VERSION = object()  # staff change a booking whatever its version


class MeetingError(Exception):
    """A refused action, with the Dutch message the user sees."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NeedsConfirmation(MeetingError):
    """Refused unless the user confirms it explicitly (a day in the past, a time that
    overlaps a brother's or sister's meeting): the form then shows the confirmation box."""


# --- small helpers ------------------------------------------------------------------------

def time_range(start, end):
    return f"{start:%H:%M}–{end:%H:%M}"


def _moment(day_date, at):
    return datetime.combine(day_date, at)


def _times_of(slots):
    """{"date", "start", "end"} of a meeting held in these consecutive slots (or None)."""
    if not slots:
        return None
    slots = sorted(slots, key=lambda s: s.position)
    return {
        "date": slots[0].day.date.isoformat(),
        "start": slots[0].starts_at.strftime("%H:%M"),
        "end": slots[-1].ends_at.strftime("%H:%M"),
    }


def started(slots, now=None):
    """Has the meeting held in these slots begun (Amsterdam wall clock)?"""
    first = min(slots, key=lambda s: s.position)
    return clock.wall_clock(first.day.date, first.starts_at) <= (now or clock.now())


def upcoming(times, now=None):
    """Does a {"date", "start", "end"} meeting still lie ahead (not begun)?"""
    if not times:
        return False
    moment = clock.wall_clock(date.fromisoformat(times["date"]), time.fromisoformat(times["start"]))
    return moment > (now or clock.now())


def teacher_names(group):
    """The names of the group's teachers with an active account, for "whom to contact"."""
    return sorted(teacher.name for teacher in group.teachers if teacher.deactivated_at is None)


def describe_times(times):
    """'dinsdag 10 maart 2026, 10:40–11:00' for a {"date","start","end"} dict."""
    if not times:
        return ""
    return f"{date_nl(date.fromisoformat(times['date']))}, {times['start']}–{times['end']}"


def _send_at_once():
    """After commit: let the notification dispatcher send the recorded meeting event now
    (never inside the transaction). If Redis is unreachable the event stays recorded and
    the worker's minute tick sends it."""
    from app.jobs import enqueue
    from app.jobs.notifications import dispatch_now

    try:
        enqueue(dispatch_now)
    except Exception:  # noqa: BLE001
        log.exception("Could not enqueue the notification dispatcher for a meeting mail")


# --- access -------------------------------------------------------------------------------

def round_for_staff(user, round_id):
    """A round of one of this staff member's groups (the office: any), or 404."""
    round_ = db.session.get(MeetingRound, round_id)
    if round_ is None or not user.is_staff or round_.group_id not in taught_group_ids(user):
        abort(404)
    return round_


def invitation_for_parent(user, round_id, child_id, write=False):
    """The invitation of the parent's own child to an open or closed round, or 404.

    Another family's child, a round the child is not invited to and a concept round all
    answer 404; with write=True a read-only guardian gets 403 (sees, cannot change).
    """
    if not user.is_parent:
        abort(404)
    child = child_for(user, child_id, write=write)
    invitation = db.session.scalar(
        select(MeetingInvitation)
        .join(MeetingRound, MeetingRound.id == MeetingInvitation.round_id)
        .where(MeetingInvitation.round_id == round_id, MeetingInvitation.child_id == child.id,
               MeetingRound.status != ROUND_CONCEPT)
        .options(joinedload(MeetingInvitation.round).joinedload(MeetingRound.group),
                 joinedload(MeetingInvitation.child))
    )
    if invitation is None:
        abort(404)
    return invitation


# --- what parents see ---------------------------------------------------------------------

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
        return _times_of(self.slots)

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
    slot: MeetingSlot
    # free: "Reserveren mogelijk" (bookable); unavailable: blocked, or too short for a
    # double meeting; past: begun or over ("Voorbij"); own: "Gereserveerd – Annuleren"
    # (the first slot of this child's meeting); own_more: the further slot of this
    # child's double meeting ("Gereserveerd"); taken: another family's ("Gereserveerd",
    # no names).
    state: str
    meeting_end: time | None = None  # end of the meeting if booked from here
    overlaps: str | None = None      # another child of this parent with a meeting then


@dataclass
class DayView:
    day: MeetingDay
    slots: list


def _meetings_of(children, dates, exclude_child_id):
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


def _sibling_meetings(user, child_id, dates):
    """The parent's meetings for their other children on these dates."""
    own_children = select(Guardianship.child_id).where(Guardianship.parent_id == user.id)
    return _meetings_of(own_children, dates, child_id)


def family_meetings(child, dates):
    """The meetings of the child's brothers and sisters (children sharing a parent with
    it) on these dates: what a teacher planning this child should not overlap."""
    parents = select(Guardianship.parent_id).where(Guardianship.child_id == child.id)
    family = select(Guardianship.child_id).where(Guardianship.parent_id.in_(parents))
    return _meetings_of(family, dates, child.id)


def overlapping(meetings, day_date, start, end):
    """The meetings of `_meetings_of` that overlap [start, end) on day_date."""
    return [m for m in meetings if m[0] == day_date and m[1] < end and start < m[2]]


def _overlapping(siblings, day_date, start, end):
    found = overlapping(siblings, day_date, start, end)
    return (found[0][3], found[0][1], found[0][2]) if found else None


def _load_round(round_id):
    return db.session.scalar(
        select(MeetingRound).where(MeetingRound.id == round_id)
        .options(selectinload(MeetingRound.days).selectinload(MeetingDay.slots))
        .execution_options(populate_existing=True)
    )


def parent_planning(user, invitation):
    """Everything the parent's slot list shows for this child (a fixed number of queries)."""
    round_ = _load_round(invitation.round_id)
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
    own_slots = [slot for day in round_.days for slot in day.slots if slot.id in own_ids]
    own_started = bool(own_slots) and started(own_slots, now)
    writable_link = _writable_link(user, invitation)
    needed = invitation.slots_needed
    siblings = _sibling_meetings(user, invitation.child_id, {day.date for day in round_.days})
    days = []
    for day in round_.days:
        slots = day.slots
        views = []
        first_own_seen = False
        for index, slot in enumerate(slots):
            if slot.id in own_ids:
                views.append(SlotView(slot, "own_more" if first_own_seen else "own"))
                first_own_seen = True
                continue
            if slot.id in taken:
                views.append(SlotView(slot, "taken"))
                continue
            if clock.wall_clock(day.date, slot.starts_at) <= now:
                views.append(SlotView(slot, "past"))
                continue
            group = slots[index:index + needed]
            # Offered only when every needed slot is there (not past the end of the day),
            # consecutive, not a break, and free (or this child's own, when moving).
            offered = (
                len(group) == needed
                and all(not s.blocked for s in group)
                and all(s.id not in taken or s.id in own_ids for s in group)
                and all(a.ends_at == b.starts_at for a, b in zip(group, group[1:]))
            )
            if not offered:
                views.append(SlotView(slot, "unavailable"))
                continue
            end = group[-1].ends_at
            overlap = _overlapping(siblings, day.date, slot.starts_at, end)
            views.append(SlotView(slot, "free", meeting_end=end, overlaps=overlap[0] if overlap else None))
        days.append(DayView(day, views))
    return {
        "round": round_,
        "invitation": invitation,
        "reservation": reservation,
        "days": days,
        "own_slots": own_slots,
        "times": _times_of(own_slots),
        "when": describe_times(_times_of(own_slots)),
        # A meeting that has begun is history: the parent can no longer move or cancel it.
        "can_change": round_.is_open and writable_link and not own_started,
        "own_started": own_started,
        "read_only": not writable_link,
        "teachers": teacher_names(round_.group),
    }


def can_change(user, invitation):
    """Either parent with a writable link may book, cancel or change while the round is open."""
    return invitation.round.is_open and _writable_link(user, invitation)


def _writable_link(user, invitation):
    link = db.session.get(Guardianship, (user.id, invitation.child_id))
    return link is not None and not link.read_only


# --- booking (parents and staff) ------------------------------------------------------------

def _slots_for_meeting(round_, slot_id, needed):
    """The `needed` consecutive slots starting at slot_id, or MeetingError (404 for a slot
    of another round)."""
    try:
        slot_id = db_int(slot_id)  # a number beyond the column is no slot either
    except (TypeError, ValueError):
        abort(404)
    slot = db.session.get(MeetingSlot, slot_id)
    if slot is None or slot.round_id != round_.id:
        abort(404)
    group = db.session.scalars(
        select(MeetingSlot)
        .where(MeetingSlot.day_id == slot.day_id, MeetingSlot.position >= slot.position,
               MeetingSlot.position < slot.position + needed)
        .order_by(MeetingSlot.position)
        .options(joinedload(MeetingSlot.day))
    ).all()
    consecutive = all(a.ends_at == b.starts_at for a, b in zip(group, group[1:]))
    if len(group) < needed or not consecutive or any(s.blocked for s in group):
        if needed > 1:
            raise MeetingError("Voor dit gesprek zijn twee aansluitende vrije tijdsloten nodig. "
                               "Kies een ander tijdstip.")
        raise MeetingError("Dit tijdslot is niet beschikbaar. Kies een ander tijdstip.")
    return group


def _check_sibling_overlap(user, child, slots):
    day_date = slots[0].day.date
    siblings = _sibling_meetings(user, child.id, {day_date})
    overlap = _overlapping(siblings, day_date, slots[0].starts_at, slots[-1].ends_at)
    if overlap:
        name, start, end = overlap
        raise MeetingError(
            f"U heeft om {time_range(start, end)} al een gesprek voor {name}. "
            f"Kies voor {child.first_name} een tijd die daar niet mee overlapt."
        )


def describe_family_meetings(meetings):
    """'Lotte heeft om 10:35–10:45 al een gesprek (Gesprekken groep 6)' for each meeting."""
    return "; ".join(f"{name} heeft om {time_range(start, end)} al een gesprek ({title})"
                     for _day, start, end, name, title in meetings)


def _current_slots(reservation_id):
    return db.session.scalars(
        select(MeetingSlot).join(MeetingBooking, MeetingBooking.slot_id == MeetingSlot.id)
        .where(MeetingBooking.reservation_id == reservation_id)
        .options(joinedload(MeetingSlot.day))
    ).all()


def _bump_sequence(round_id, child_ids=None):
    """Raise the .ics SEQUENCE of these children's calendar events (all of the round's
    when None); returns the new value for a single child."""
    query = update(MeetingInvitation).where(MeetingInvitation.round_id == round_id)
    if child_ids is not None:
        query = query.where(MeetingInvitation.child_id.in_(list(child_ids)))
    db.session.execute(query.values(ics_sequence=MeetingInvitation.ics_sequence + 1)
                       .execution_options(synchronize_session=False))
    if child_ids is not None and len(child_ids) == 1:
        return db.session.scalar(select(MeetingInvitation.ics_sequence).where(
            MeetingInvitation.round_id == round_id, MeetingInvitation.child_id == list(child_ids)[0]))
    return None


def _started_text(child):
    return (f"Het gesprek voor {child.first_name} is al begonnen of voorbij: u kunt het niet meer wijzigen "
            "of annuleren. Neem zo nodig contact op met de leerkracht.")


def _reserve(round_, child, slots, expected_version, actor, now=None):
    """Give `child` these slots in one transaction (new reservation or a move).

    `expected_version` is the reservation version the user's page showed (None: no
    booking yet); a different current state means someone else changed it meanwhile.
    With `now` (a parent acting) a meeting that has begun cannot be moved away from.
    Returns (old_times, new_times, ics sequence). The caller commits; IntegrityError
    propagates.
    """
    existing = db.session.scalar(
        select(MeetingReservation).where(MeetingReservation.round_id == round_.id,
                                         MeetingReservation.child_id == child.id)
    )
    if expected_version is not ANY_VERSION:
        current = existing.version if existing else None
        if current != expected_version:
            raise _changed_meanwhile(actor, child, existing, expected_version)
    old_times = None
    if existing is None:
        reservation = MeetingReservation(round_id=round_.id, child_id=child.id, version=1,
                                         booked_by_id=getattr(actor, "id", None))
        db.session.add(reservation)
        db.session.flush()  # the (round, child) UNIQUE constraint answers here
    else:
        old_slots = _current_slots(existing.id)
        if now is not None and old_slots and started(old_slots, now):
            raise MeetingError(_started_text(child))
        old_times = _times_of(old_slots)
        # The version check in the WHERE clause makes a concurrent change lose here
        # (row lock, then re-check), not silently overwrite.
        changed = db.session.execute(
            update(MeetingReservation)
            .where(MeetingReservation.id == existing.id, MeetingReservation.version == existing.version)
            .values(version=existing.version + 1, booked_by_id=getattr(actor, "id", None), updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            raise _changed_just_now(child)
        db.session.execute(
            delete(MeetingBooking).where(MeetingBooking.reservation_id == existing.id)
            .execution_options(synchronize_session=False)
        )
        reservation = existing
    for part, slot in enumerate(slots):
        db.session.add(MeetingBooking(round_id=round_.id, slot_id=slot.id, reservation_id=reservation.id,
                                      part=part))
    db.session.flush()  # the slot UNIQUE constraint answers here
    sequence = _bump_sequence(round_.id, [child.id])
    return old_times, _times_of(slots), sequence


def _by_whom(user, child, actor_id):
    """Who made the change the user's page did not show yet, as far as we know it:
    ' door de andere ouder', ' door de leerkracht', or '' (not guessed). None: the user
    themselves (another tab, a double click)."""
    if actor_id is None:
        return ""
    if user is not None and actor_id == getattr(user, "id", None):
        return None
    actor = db.session.get(User, actor_id)
    if actor is None:
        return ""
    if actor.is_staff:
        return " door de leerkracht"
    if db.session.get(Guardianship, (actor.id, child.id)) is not None:
        return " door de andere ouder"
    return ""


def _changed_meanwhile(user, child, existing, expected_version=None):
    """The refusal when the reservation is not what the user's page showed."""
    tail = "Hieronder ziet u de actuele planning."
    if existing is None:
        return MeetingError(f"De reservering voor {child.first_name} is zojuist geannuleerd. {tail}")
    who = _by_whom(user, child, existing.booked_by_id)
    if who is None:
        return MeetingError(f"U heeft de reservering voor {child.first_name} zojuist al gewijzigd, "
                            f"bijvoorbeeld in een ander venster. {tail}")
    if expected_version is None:
        return MeetingError(f"Voor {child.first_name} is zojuist al een tijd gereserveerd{who}. {tail}")
    return MeetingError(f"De reservering voor {child.first_name} is zojuist gewijzigd{who}. {tail}")


def _changed_just_now(child):
    """Someone changed the reservation between our read and our write (who: not known)."""
    return MeetingError(f"De reservering voor {child.first_name} is zojuist gewijzigd. "
                        "Hieronder ziet u de actuele planning.")


def _race_lost(user, round_id, child, expected_version, slots):
    """After a constraint said no: which rule, and who was first? (read afresh)."""
    current = db.session.scalar(
        select(MeetingReservation).where(MeetingReservation.round_id == round_id,
                                         MeetingReservation.child_id == child.id)
    )
    if expected_version is not ANY_VERSION and current is not None and current.version != expected_version:
        return _changed_meanwhile(user, child, current, expected_version)
    holder = db.session.scalar(
        select(MeetingReservation).join(MeetingBooking, MeetingBooking.reservation_id == MeetingReservation.id)
        .where(MeetingBooking.slot_id.in_([slot.id for slot in slots])).limit(1)
    )
    if holder is not None and holder.booked_by_id is not None:
        who = _by_whom(user, holder.child, holder.booked_by_id)
        if who is None:
            return MeetingError(f"U heeft dit tijdslot zojuist al gereserveerd voor {holder.child.first_name}. "
                                "Kies een ander tijdstip.")
        if who == " door de leerkracht":
            return MeetingError("Dit tijdslot is zojuist door de leerkracht ingepland. Kies een ander tijdstip.")
    return MeetingError(SLOT_TAKEN)


def parse_version(value):
    """The reservation version a form carried: '' means no booking yet."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(400)


def book(user, invitation, slot_id, expected_version):
    """A parent books (or changes to) the meeting starting at this slot; returns its times."""
    round_, child = invitation.round, invitation.child
    round_id = round_.id
    if not round_.is_open:
        raise MeetingError(ROUND_CLOSED_TEXT)
    slots = _slots_for_meeting(round_, slot_id, invitation.slots_needed)
    now = clock.now()
    if started(slots, now):
        raise MeetingError(SLOT_PAST)
    _check_sibling_overlap(user, child, slots)
    try:
        _old, new_times, _sequence = _reserve(round_, child, slots, expected_version, actor=user, now=now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _race_lost(user, round_id, child, expected_version, slots) from None
    except MeetingError:
        db.session.rollback()
        raise
    return new_times


def cancel(user, invitation, expected_version):
    """A parent cancels the child's meeting (round still open, meeting not begun)."""
    round_, child = invitation.round, invitation.child
    if not round_.is_open:
        raise MeetingError(ROUND_CLOSED_TEXT)
    existing = db.session.scalar(
        select(MeetingReservation).where(MeetingReservation.round_id == round_.id,
                                         MeetingReservation.child_id == child.id)
    )
    if existing is None or existing.version != expected_version:
        raise _changed_meanwhile(user, child, existing, expected_version)
    current = _current_slots(existing.id)
    if current and started(current):
        raise MeetingError(_started_text(child))
    # Claim the reservation at the version the page showed (a row lock): a concurrent
    # move or cancel by the other parent makes this one affect no row, and refuse.
    claimed = db.session.execute(
        update(MeetingReservation)
        .where(MeetingReservation.id == existing.id, MeetingReservation.version == expected_version)
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise _changed_just_now(child)
    _delete_reservation(existing)
    _bump_sequence(round_.id, [child.id])
    db.session.commit()


def _delete_reservation(reservation):
    """Delete a reservation with its bookings (caller commits)."""
    reservation_id = reservation.id
    db.session.execute(delete(MeetingBooking).where(MeetingBooking.reservation_id == reservation_id)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(MeetingReservation).where(MeetingReservation.id == reservation_id)
                       .execution_options(synchronize_session=False))
    db.session.expunge(reservation)


# --- staff: rounds --------------------------------------------------------------------------

def rounds_for_staff(user):
    ids = taught_group_ids(user)
    booked = (
        select(func.count(MeetingReservation.id)).where(MeetingReservation.round_id == MeetingRound.id)
        .scalar_subquery()
    )
    invited = (
        select(func.count(MeetingInvitation.id)).where(MeetingInvitation.round_id == MeetingRound.id)
        .scalar_subquery()
    )
    return db.session.execute(
        select(MeetingRound, invited, booked)
        .join(Group, Group.id == MeetingRound.group_id)
        .where(MeetingRound.group_id.in_(ids))
        .options(joinedload(MeetingRound.group), selectinload(MeetingRound.days))
        .order_by(MeetingRound.id.desc())
    ).unique().all()


def create_round(user, group_id, title, info):
    if group_id not in taught_group_ids(user):
        raise MeetingError("U kunt alleen een gespreksronde maken voor uw eigen groep(en).")
    round_ = MeetingRound(group_id=group_id, title=title.strip(), info=(info or "").strip(),
                          status=ROUND_CONCEPT, created_by_id=user.id)
    db.session.add(round_)
    db.session.commit()
    return round_


def update_round(user, round_, title, info):
    """Save title and information text. A new information text in a round the parents
    already see is news: the invited families are told what changed (one mail per save,
    saves not yet mailed are taken together)."""
    new_info = (info or "").strip()
    old_info = round_.info or ""
    round_.title = title.strip()
    round_.info = new_info
    told = False
    if not round_.is_concept and new_info != old_info:
        told = _note_info_change(user, round_, info=(old_info, new_info))
    db.session.commit()
    if told:
        _send_at_once()
    return told


def delete_round(round_):
    if not round_.is_concept:
        raise MeetingError("Alleen een gespreksronde in concept kan worden verwijderd.")
    db.session.delete(round_)
    db.session.commit()


def parse_breaks(text):
    """'12:00-12:30, 14:00–14:15' -> [(time, time)], or MeetingError with a Dutch message."""
    breaks = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        pieces = [p.strip() for p in part.replace("–", "-").split("-")]
        try:
            start, end = (datetime.strptime(p, "%H:%M").time() for p in pieces)
        except ValueError:
            raise MeetingError(f"Pauze “{part}” begrijpen we niet. Schrijf bijvoorbeeld 12:00-12:30.") from None
        if end <= start:
            raise MeetingError(f"Pauze “{part}”: het einde moet na het begin liggen.")
        breaks.append((start, end))
    return breaks


def slot_times(starts_at, ends_at, minutes):
    """The (start, end) of every whole slot that fits between starts_at and ends_at."""
    day = date(2000, 1, 3)
    moment, last = _moment(day, starts_at), _moment(day, ends_at)
    step = timedelta(minutes=minutes)
    times = []
    while moment + step <= last:
        times.append((moment.time(), (moment + step).time()))
        moment += step
    return times


def _clean_room(room):
    room = " ".join((room or "").split())
    if len(room) > MAX_ROOM_LENGTH:
        raise MeetingError(f"De naam van het lokaal is te lang (maximaal {MAX_ROOM_LENGTH} tekens).")
    return room


def add_day(round_, day_date, starts_at, ends_at, minutes, breaks_text="", room="", confirm_past=False):
    """Add a day with its slots; slots that touch a break are blocked. A day that has
    begun already is added only when the teacher confirms it (NeedsConfirmation)."""
    if round_.is_closed:
        raise MeetingError("De planning is gesloten: er kunnen geen dagen meer bij.")
    if ends_at <= starts_at:
        raise MeetingError("De eindtijd moet na de begintijd liggen.")
    if minutes not in SLOT_MINUTES_CHOICES:
        raise MeetingError("Kies een geldige lengte van een tijdslot.")
    times = slot_times(starts_at, ends_at, minutes)
    if not times:
        raise MeetingError("Tussen begin- en eindtijd past geen enkel tijdslot.")
    if len(times) > 200:
        raise MeetingError("Dat zijn te veel tijdsloten op één dag (maximaal 200).")
    breaks = parse_breaks(breaks_text)
    for b_start, b_end in breaks:
        if b_start < starts_at or b_end > ends_at:
            raise MeetingError(f"De pauze {time_range(b_start, b_end)} valt buiten {time_range(starts_at, ends_at)}.")
    for other in round_.days:
        if other.date == day_date and other.starts_at < ends_at and starts_at < other.ends_at:
            raise MeetingError("Deze tijden overlappen met een dag die al in de planning staat.")
    room = _clean_room(room)
    if not confirm_past and clock.wall_clock(day_date, starts_at) <= clock.now():
        raise NeedsConfirmation(
            f"{date_nl(day_date)} om {starts_at:%H:%M} ligt in het verleden: ouders kunnen die tijden niet meer "
            "kiezen. Wilt u deze dag toch toevoegen, bijvoorbeeld om vast te leggen welke gesprekken er "
            "waren? Vink dan “Toch toevoegen” aan en voeg de dag opnieuw toe."
        )
    day = MeetingDay(round=round_, date=day_date, starts_at=starts_at, ends_at=ends_at, slot_minutes=minutes,
                     room=room)
    db.session.add(day)
    for position, (start, end) in enumerate(times):
        blocked = any(b_start < end and start < b_end for b_start, b_end in breaks)
        day.slots.append(MeetingSlot(round_id=round_.id, position=position, starts_at=start, ends_at=end,
                                     blocked=blocked))
    db.session.commit()
    return day


def _day_of(round_, day_id):
    day = db.session.get(MeetingDay, day_id)
    if day is None or day.round_id != round_.id:
        abort(404)
    return day


def set_day_room(user, round_, day_id, room):
    """Change where a day's meetings are held. After opening the invited families are told
    (one mail per save; saves not yet mailed are taken together), and the booked ones get
    their calendar event again with the new location."""
    day = _day_of(round_, day_id)
    room = _clean_room(room)
    if room == (day.room or ""):
        return False
    old_room = day.room or ""
    day.room = room
    told = False
    if not round_.is_concept:
        _bump_sequence(round_.id)  # the LOCATION of booked events changes
        told = _note_info_change(user, round_, room=(day, old_room, room))
    db.session.commit()
    if told:
        _send_at_once()
    return True


def _merge_info_change(payload, info=None, room=None):
    """Fold one change into an info-change payload: the first "old" is kept, "new" is the
    latest; a value changed back to what it was is no news and drops out."""
    payload = {"info": dict(payload.get("info") or {}) or None,
               "rooms": {key: dict(value) for key, value in (payload.get("rooms") or {}).items()}}
    if info is not None:
        old, new = info
        if payload["info"]:
            old = payload["info"]["old"]
        payload["info"] = {"old": old, "new": new} if old != new else None
    if room is not None:
        day, old, new = room
        key = str(day.id)
        if key in payload["rooms"]:
            old = payload["rooms"][key]["old"]
        if old != new:
            payload["rooms"][key] = {"date": day.date.isoformat(), "start": f"{day.starts_at:%H:%M}",
                                     "end": f"{day.ends_at:%H:%M}", "old": old, "new": new}
        else:
            payload["rooms"].pop(key, None)
    return {key: value for key, value in payload.items() if value}


def _note_info_change(user, round_, info=None, room=None):
    """Record that the information text or a room changed (caller commits): added to the
    round's info-change event that has not been planned yet, else a new event. Returns
    True when there is something to send."""
    pending = db.session.scalar(
        select(NotificationEvent)
        .where(NotificationEvent.kind == INFO_CHANGED, NotificationEvent.subject_type == "meeting_round",
               NotificationEvent.subject_id == round_.id, NotificationEvent.dispatched_at.is_(None))
        .order_by(NotificationEvent.id.desc()).limit(1)
        .with_for_update()
    )
    if pending is not None:
        merged = _merge_info_change(pending.payload or {}, info, room)
        # Only while the dispatcher has not claimed it (the same WHERE it claims with).
        still = (NotificationEvent.id == pending.id, NotificationEvent.dispatched_at.is_(None))
        if merged:
            done = db.session.execute(update(NotificationEvent).where(*still).values(payload=merged)
                                      .execution_options(synchronize_session=False)).rowcount
        else:  # everything changed back: nothing to tell
            done = db.session.execute(delete(NotificationEvent).where(*still)
                                      .execution_options(synchronize_session=False)).rowcount
        db.session.expire(pending)
        if done == 1:
            return bool(merged)
    payload = _merge_info_change({}, info, room)
    if not payload:
        return False
    record_event(INFO_CHANGED, "meeting_round", round_.id, actor=user, **payload)
    return True


def remove_day(round_, day_id):
    day = _day_of(round_, day_id)
    booked = db.session.execute(
        select(Child, MeetingSlot.starts_at)
        .join(MeetingReservation, MeetingReservation.child_id == Child.id)
        .join(MeetingBooking, (MeetingBooking.reservation_id == MeetingReservation.id) & (MeetingBooking.part == 0))
        .join(MeetingSlot, MeetingSlot.id == MeetingBooking.slot_id)
        .where(MeetingSlot.day_id == day.id)
        .order_by(MeetingSlot.starts_at)
    ).all()
    if booked:
        names = ", ".join(f"{child.name} ({start:%H:%M})" for child, start in booked)
        raise MeetingError(f"Op {date_nl(day.date)} zijn al gesprekken gereserveerd: {names}. "
                           "Verplaats of annuleer die eerst in de planning.")
    db.session.delete(day)
    db.session.commit()


def pupils_of(round_):
    """The current pupils of the round's group, with their invitation (or None)."""
    children = db.session.scalars(
        select(Child).where(Child.group_id == round_.group_id, Child.left_at.is_(None))
        .order_by(Child.sort_name, Child.id)
    ).all()
    invitations = {inv.child_id: inv for inv in db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.round_id == round_.id))}
    return [(child, invitations.get(child.id)) for child in children]


def save_invitations(user, round_, entries):
    """entries: {child_id: (invited, slots_needed, message)} for pupils of the group.

    All or nothing: one refused line changes nothing. Pupils invited while the round is
    already open are told by mail, as the others were when it opened. A booked pupil who
    goes from 1 to 2 slots keeps the time and gets the next slot too when it is free (from
    2 to 1: the second slot is freed); the parents are told, as of any teacher's change.
    """
    if round_.is_closed:
        raise MeetingError("De planning is gesloten: de uitnodigingen kunnen niet meer veranderen.")
    try:
        added, resized = _apply_invitations(round_, entries)
        changes = [_record_change(user, round_, *change) for change in resized]
        event = None
        if added and round_.is_open:
            event = record_event("meeting_opened", "meeting_round", round_.id, actor=user, child_ids=added)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise MeetingError("Een tijdslot dat een leerling erbij zou krijgen, is zojuist gereserveerd. "
                           "Bekijk de planning en probeer het opnieuw.") from None
    except MeetingError:
        db.session.rollback()
        raise
    if event is not None or any(changes):
        _send_at_once()


def _apply_invitations(round_, entries):
    pupils = dict((child.id, (child, inv)) for child, inv in pupils_of(round_))
    booked = {r.child_id: r for r in db.session.scalars(
        select(MeetingReservation).where(MeetingReservation.round_id == round_.id))}
    added, resized = [], []
    for child_id, (invited, slots_needed, message) in entries.items():
        if child_id not in pupils:
            continue  # not a pupil of this group: ignore (a forged field changes nothing)
        child, invitation = pupils[child_id]
        if not invited:
            if invitation is not None:
                if child_id in booked:
                    raise MeetingError(f"{child.name} heeft al een tijd gereserveerd. "
                                       "Annuleer die eerst in de planning.")
                db.session.delete(invitation)
            continue
        if slots_needed not in (1, 2):
            raise MeetingError(f"Kies 1 of 2 tijdsloten voor {child.first_name}.")
        message = (message or "").strip()
        if len(message) > MAX_MESSAGE_LENGTH:
            raise MeetingError(f"De persoonlijke boodschap voor {child.first_name} is te lang "
                               f"(maximaal {MAX_MESSAGE_LENGTH} tekens).")
        if invitation is None:
            invitation = MeetingInvitation(round=round_, child_id=child_id)
            db.session.add(invitation)
            added.append(child_id)
        elif child_id in booked and invitation.slots_needed != slots_needed:
            resized.append(_resize_in_place(round_, child, booked[child_id], slots_needed))
        invitation.slots_needed = slots_needed
        invitation.message = message
    return added, resized


def _resize_in_place(round_, child, reservation, needed):
    """A booked meeting from 1 to 2 slots (the next slot must be free) or from 2 to 1 (the
    second is freed), keeping its start. Returns (child, old, new, sequence) for the
    notice; refusals name what is in the way."""
    slots = sorted(_current_slots(reservation.id), key=lambda s: s.position)
    old_times = _times_of(slots)
    first = slots[0]
    if needed == 1:
        db.session.execute(delete(MeetingBooking).where(MeetingBooking.reservation_id == reservation.id,
                                                        MeetingBooking.part == 1)
                           .execution_options(synchronize_session=False))
        new_slots = [first]
    else:
        following = db.session.scalar(
            select(MeetingSlot).where(MeetingSlot.day_id == first.day_id, MeetingSlot.position == first.position + 1)
            .options(joinedload(MeetingSlot.day))
        )
        start = f"{first.starts_at:%H:%M}"
        move_first = f"Verplaats {child.first_name} eerst in de planning naar een tijd met een vrij tijdslot erna."
        if following is None or following.starts_at != first.ends_at:
            raise MeetingError(f"{child.name} kan niet naar twee tijdsloten: het gesprek om {start} is het "
                               f"laatste van de dag. {move_first}")
        if following.blocked:
            raise MeetingError(f"{child.name} kan niet naar twee tijdsloten: het tijdslot "
                               f"{time_range(following.starts_at, following.ends_at)} erna is geblokkeerd. "
                               f"{move_first}")
        holder = _holder_of(following.id)
        if holder is not None:
            raise MeetingError(f"{child.name} kan niet naar twee tijdsloten: het tijdslot "
                               f"{time_range(following.starts_at, following.ends_at)} erna is gereserveerd voor "
                               f"{holder.name}. {move_first}")
        clashes = overlapping(family_meetings(child, {first.day.date}), first.day.date,
                              following.starts_at, following.ends_at)
        if clashes:
            raise MeetingError(f"{child.name} kan niet naar twee tijdsloten: "
                               f"{describe_family_meetings(clashes)}. Plan {child.first_name} in de planning in.")
        db.session.add(MeetingBooking(round_id=round_.id, slot_id=following.id, reservation_id=reservation.id,
                                      part=1))
        db.session.flush()  # the slot UNIQUE constraint: someone may just have booked it
        new_slots = [first, following]
    # A parent's page rendered before this change must not overwrite it.
    db.session.execute(update(MeetingReservation).where(MeetingReservation.id == reservation.id)
                       .values(version=MeetingReservation.version + 1, updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    sequence = _bump_sequence(round_.id, [child.id])
    return child, old_times, _times_of(new_slots), sequence


def open_round(user, round_):
    if not round_.is_concept:
        raise MeetingError("Deze gespreksronde is al geopend.")
    free = db.session.scalar(select(func.count()).select_from(MeetingSlot)
                             .where(MeetingSlot.round_id == round_.id, MeetingSlot.blocked.is_(False)))
    if not free:
        raise MeetingError("Voeg eerst een dag met tijdsloten toe.")
    if not round_.invitations:
        raise MeetingError("Nodig eerst minstens één leerling uit.")
    # Only one of two simultaneous clicks changes the status (the row lock decides).
    if not _change_status(round_, ROUND_CONCEPT, ROUND_OPEN, opened_at=utcnow()):
        raise MeetingError("Deze gespreksronde is zojuist al geopend.")
    record_event("meeting_opened", "meeting_round", round_.id, actor=user)
    db.session.commit()
    _send_at_once()


def close_round(user, round_):
    """'Planning sluiten': parents can change nothing more and get their final times.
    Two clicks at the same moment close once and record one final event."""
    if not round_.is_open:
        raise MeetingError("Alleen een geopende planning kan worden gesloten.")
    if not _change_status(round_, ROUND_OPEN, ROUND_CLOSED, closed_at=utcnow()):
        raise MeetingError("De planning is zojuist al gesloten.")
    record_event("meeting_final", "meeting_round", round_.id, actor=user)
    db.session.commit()
    _send_at_once()


def _change_status(round_, current, new, **values):
    """UPDATE ... WHERE status = current: True for the one transaction that changes it."""
    changed = db.session.execute(
        update(MeetingRound).where(MeetingRound.id == round_.id, MeetingRound.status == current)
        .values(status=new, **values).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        return False
    db.session.expire(round_)
    return True


# --- staff: the planning ----------------------------------------------------------------------

def staff_planning(round_):
    """Every slot with who is booked in it, and the invited pupils without a booking."""
    round_ = _load_round(round_.id)
    invitations = db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.round_id == round_.id)
        .options(joinedload(MeetingInvitation.child))
    ).all()
    reservations = db.session.scalars(
        select(MeetingReservation).where(MeetingReservation.round_id == round_.id)
        .options(selectinload(MeetingReservation.bookings), joinedload(MeetingReservation.child))
    ).all()
    by_slot = {}
    for reservation in reservations:
        for booking in reservation.bookings:
            by_slot[booking.slot_id] = (reservation, booking.part)
    booked_children = {r.child_id for r in reservations}
    invitation_by_child = {inv.child_id: inv for inv in invitations}
    unbooked = sorted((inv for inv in invitations if inv.child_id not in booked_children),
                      key=lambda inv: person_sort_key(inv.child))
    return {
        "round": round_,
        "days": round_.days,
        "by_slot": by_slot,
        "invitations": sorted(invitations, key=lambda inv: person_sort_key(inv.child)),
        "invitation_by_child": invitation_by_child,
        "unbooked": unbooked,
        "reservations": reservations,
    }


def _record_change(user, round_, child, old_times, new_times, sequence=None):
    """The notice of a teacher's change (caller commits). None when there is nothing to
    tell: a concept round, no change, or a change only in the past (recording afterwards
    what happened is nothing a parent needs to act on)."""
    if round_.is_concept or old_times == new_times:
        return None
    now = clock.now()
    if not upcoming(old_times, now) and not upcoming(new_times, now):
        return None
    return record_event("meeting_changed", "meeting_round", round_.id, actor=user,
                        child_id=child.id, old=old_times, new=new_times, sequence=sequence)


def staff_book(user, round_, child_id, slot_id, confirm_overlap=False):
    """A teacher books or moves a pupil to a slot (also after closing, also in the past).
    A time that overlaps a brother's or sister's meeting needs `confirm_overlap`."""
    invitation = db.session.scalar(
        select(MeetingInvitation).where(MeetingInvitation.round_id == round_.id,
                                        MeetingInvitation.child_id == child_id)
        .options(joinedload(MeetingInvitation.child))
    )
    if invitation is None:
        raise MeetingError("Kies een leerling die voor deze ronde is uitgenodigd.")
    round_id, child = round_.id, invitation.child
    slots = _slots_for_meeting(round_, slot_id, invitation.slots_needed)
    if not confirm_overlap:
        day_date = slots[0].day.date
        clashes = overlapping(family_meetings(child, {day_date}), day_date, slots[0].starts_at, slots[-1].ends_at)
        if clashes:
            raise NeedsConfirmation(
                f"Let op: {describe_family_meetings(clashes)}; dat is een kind uit hetzelfde gezin als "
                f"{child.first_name}. Wilt u {child.first_name} toch om "
                f"{time_range(slots[0].starts_at, slots[-1].ends_at)} inplannen? Vink dan “Toch inplannen” aan. "
                "De ouders lezen in de e-mail dat de tijden overlappen."
            )
    try:
        old_times, new_times, sequence = _reserve(round_, child, slots, ANY_VERSION, actor=user)
        event = _record_change(user, round_, child, old_times, new_times, sequence)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise MeetingError(_slot_in_the_way(round_id, slots)) from None
    except MeetingError:
        db.session.rollback()
        raise
    if event is not None:
        _send_at_once()
    return round_id


def _slot_in_the_way(round_id, slots):
    """'Dit tijdslot is al gereserveerd voor Noor Visser (10:40–10:50). ...' (read afresh)."""
    rows = db.session.execute(
        select(Child, MeetingSlot.starts_at, MeetingSlot.ends_at)
        .join(MeetingReservation, MeetingReservation.child_id == Child.id)
        .join(MeetingBooking, MeetingBooking.reservation_id == MeetingReservation.id)
        .join(MeetingSlot, MeetingSlot.id == MeetingBooking.slot_id)
        .where(MeetingBooking.round_id == round_id, MeetingBooking.slot_id.in_([s.id for s in slots]))
        .order_by(MeetingSlot.starts_at)
    ).all()
    if not rows:
        return "Dit tijdslot is zojuist gereserveerd. Bekijk de planning en probeer het opnieuw."
    who = ", ".join(f"{child.name} ({time_range(start, end)})" for child, start, end in rows)
    return (f"Dit tijdslot is al gereserveerd voor {who}. Kies een vrij tijdslot of verplaats eerst "
            "de leerling die er staat.")


def staff_cancel(user, round_, child_id):
    reservation = db.session.scalar(
        select(MeetingReservation).where(MeetingReservation.round_id == round_.id,
                                         MeetingReservation.child_id == child_id)
        .options(joinedload(MeetingReservation.child))
    )
    if reservation is None:
        raise MeetingError("Deze leerling heeft geen gereserveerde tijd.")
    old_times = _times_of(_current_slots(reservation.id))
    child = reservation.child
    _delete_reservation(reservation)
    sequence = _bump_sequence(round_.id, [child.id])
    event = _record_change(user, round_, child, old_times, None, sequence)
    db.session.commit()
    if event is not None:
        _send_at_once()


def _holder_of(slot_id):
    """The pupil whose meeting holds this slot, or None."""
    return db.session.scalar(
        select(Child).join(MeetingReservation, MeetingReservation.child_id == Child.id)
        .join(MeetingBooking, MeetingBooking.reservation_id == MeetingReservation.id)
        .where(MeetingBooking.slot_id == slot_id)
    )


def set_blocked(round_, slot_id, blocked):
    """Block a slot (a break) or free it again."""
    slot = db.session.get(MeetingSlot, slot_id)
    if slot is None or slot.round_id != round_.id:
        abort(404)
    if blocked:
        holder = _holder_of(slot.id)
        if holder is not None:
            raise MeetingError(f"Dit tijdslot is gereserveerd voor {holder.name}. Verplaats of annuleer eerst "
                               "het gesprek.")
    slot.blocked = blocked
    db.session.commit()


def export_rows(round_):
    """Rows for the CSV export: one per slot, then the invited pupils without a time."""
    planning = staff_planning(round_)
    rows = []
    for day in planning["days"]:
        for slot in day.slots:
            booked = planning["by_slot"].get(slot.id)
            if booked:
                reservation, part = booked
                status = "Gereserveerd" if part == 0 else "Gereserveerd (vervolg)"
                pupil = reservation.child.name
            elif slot.blocked:
                status, pupil = "Geblokkeerd", ""
            else:
                status, pupil = "Vrij", ""
            rows.append([day.date.strftime("%d-%m-%Y"), f"{slot.starts_at:%H:%M}", f"{slot.ends_at:%H:%M}",
                         pupil, status])
    for invitation in planning["unbooked"]:
        rows.append(["", "", "", invitation.child.name, "Nog geen tijd"])
    return rows
