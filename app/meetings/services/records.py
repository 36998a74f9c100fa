"""Small reads and writes of a round's slots and reservations that several services share.
None of them commits: the calling service owns the transaction."""
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Child, MeetingBooking, MeetingDay, MeetingInvitation, MeetingReservation, MeetingRound, MeetingSlot


def load_round(round_id):
    """The round with its days and their slots, read afresh."""
    return db.session.scalar(
        select(MeetingRound).where(MeetingRound.id == round_id)
        .options(selectinload(MeetingRound.days).selectinload(MeetingDay.slots))
        .execution_options(populate_existing=True)
    )


def current_slots(reservation_id):
    """The slots a reservation holds now (with their day)."""
    return db.session.scalars(
        select(MeetingSlot).join(MeetingBooking, MeetingBooking.slot_id == MeetingSlot.id)
        .where(MeetingBooking.reservation_id == reservation_id)
        .options(joinedload(MeetingSlot.day))
    ).all()


def holder_of(slot_id):
    """The pupil whose meeting holds this slot, or None."""
    return db.session.scalar(
        select(Child).join(MeetingReservation, MeetingReservation.child_id == Child.id)
        .join(MeetingBooking, MeetingBooking.reservation_id == MeetingReservation.id)
        .where(MeetingBooking.slot_id == slot_id)
    )


def bump_sequence(round_id, child_ids=None):
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


def delete_reservation(reservation):
    """Delete a reservation with its bookings."""
    reservation_id = reservation.id
    db.session.execute(delete(MeetingBooking).where(MeetingBooking.reservation_id == reservation_id)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(MeetingReservation).where(MeetingReservation.id == reservation_id)
                       .execution_options(synchronize_session=False))
    db.session.expunge(reservation)
