"""Booking a meeting: the guarded writes behind a parent's "Reserveren" and "Annuleren"
(and the teacher's "Inplannen", which shares `reserve`).

Who gets a slot is decided by the database constraints (see app/models/meetings.py):
the services insert and catch IntegrityError, so two parents clicking the same slot at
the same moment give exactly one booking and one clear refusal. A reservation carries a
version; a page that showed an older one is refused, not silently overwritten.
"""
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import clock
from app.extensions import db
from app.meetings.family import first_overlap, sibling_meetings
from app.meetings.rules import ANY_VERSION, ROUND_CLOSED_TEXT, SLOT_PAST, MeetingError, NotInRound
from app.meetings.services.records import bump_sequence, current_slots, delete_reservation
from app.meetings.services.refusals import changed_just_now, changed_meanwhile, race_lost, started_text
from app.meetings.times import started, time_range, times_of
from app.models import MeetingBooking, MeetingReservation, MeetingSlot, utcnow


def slots_for_meeting(round_, slot_id, needed):
    """The `needed` consecutive slots starting at slot_id; NotInRound for no slot (None)
    or a slot of another round, MeetingError when they are not all free to book."""
    slot = db.session.get(MeetingSlot, slot_id) if slot_id is not None else None
    if slot is None or slot.round_id != round_.id:
        raise NotInRound(slot_id)
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
    siblings = sibling_meetings(user, child.id, {day_date})
    overlap = first_overlap(siblings, day_date, slots[0].starts_at, slots[-1].ends_at)
    if overlap:
        name, start, end = overlap
        raise MeetingError(
            f"U heeft om {time_range(start, end)} al een gesprek voor {name}. "
            f"Kies voor {child.first_name} een tijd die daar niet mee overlapt."
        )


def reserve(round_, child, slots, expected_version, actor, now=None):
    """Give `child` these slots in one transaction (new reservation or a move).

    `expected_version` is the reservation version the user's page showed (None: no
    booking yet; ANY_VERSION: staff); a different current state means someone else
    changed it meanwhile. With `now` (a parent acting) a meeting that has begun cannot be
    moved away from. Returns (old_times, new_times, ics sequence). The caller commits;
    IntegrityError propagates.
    """
    existing = db.session.scalar(
        select(MeetingReservation).where(MeetingReservation.round_id == round_.id,
                                         MeetingReservation.child_id == child.id)
    )
    if expected_version is not ANY_VERSION:
        current = existing.version if existing else None
        if current != expected_version:
            raise changed_meanwhile(actor, child, existing, expected_version)
    old_times = None
    if existing is None:
        reservation = MeetingReservation(round_id=round_.id, child_id=child.id, version=1,
                                         booked_by_id=getattr(actor, "id", None))
        db.session.add(reservation)
        db.session.flush()  # the (round, child) UNIQUE constraint answers here
    else:
        old_times = _take_back(existing, child, actor, now)
        reservation = existing
    for part, slot in enumerate(slots):
        db.session.add(MeetingBooking(round_id=round_.id, slot_id=slot.id, reservation_id=reservation.id,
                                      part=part))
    db.session.flush()  # the slot UNIQUE constraint answers here
    sequence = bump_sequence(round_.id, [child.id])
    return old_times, times_of(slots), sequence


def _take_back(existing, child, actor, now):
    """Free the slots of an existing reservation to move it, raising its version;
    returns its old times."""
    old_slots = current_slots(existing.id)
    if now is not None and old_slots and started(old_slots, now):
        raise MeetingError(started_text(child))
    old_times = times_of(old_slots)
    # The version check in the WHERE clause makes a concurrent change lose here
    # (row lock, then re-check), not silently overwrite.
    changed = db.session.execute(
        update(MeetingReservation)
        .where(MeetingReservation.id == existing.id, MeetingReservation.version == existing.version)
        .values(version=existing.version + 1, booked_by_id=getattr(actor, "id", None), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise changed_just_now(child)
    db.session.execute(
        delete(MeetingBooking).where(MeetingBooking.reservation_id == existing.id)
        .execution_options(synchronize_session=False)
    )
    return old_times


def _commit_keeping_loaded():
    """Commit without expiring what the request loaded (the round, the child, the group and
    its teachers: a booking changes none of them), so the refreshed slot list that answers
    does not load them again; the reservation and the taken slots it reads afresh."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before


def book(user, invitation, slot_id, expected_version):
    """A parent books (or changes to) the meeting starting at this slot; returns its times.
    `slot_id` is an int, or None when the form carried no valid id (NotInRound)."""
    round_, child = invitation.round, invitation.child
    round_id = round_.id
    if not round_.is_open:
        raise MeetingError(ROUND_CLOSED_TEXT)
    slots = slots_for_meeting(round_, slot_id, invitation.slots_needed)
    now = clock.now()
    if started(slots, now):
        raise MeetingError(SLOT_PAST)
    _check_sibling_overlap(user, child, slots)
    try:
        _old, new_times, _sequence = reserve(round_, child, slots, expected_version, actor=user, now=now)
        _commit_keeping_loaded()
    except IntegrityError:
        db.session.rollback()
        raise race_lost(user, round_id, child, expected_version, slots) from None
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
        raise changed_meanwhile(user, child, existing, expected_version)
    current = current_slots(existing.id)
    if current and started(current):
        raise MeetingError(started_text(child))
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
        raise changed_just_now(child)
    delete_reservation(existing)
    bump_sequence(round_.id, [child.id])
    db.session.commit()
