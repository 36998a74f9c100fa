"""The planning in Beheer: every slot with who is booked in it, a teacher booking, moving
or cancelling a pupil (also after closing, also in the past: to record what happened),
blocking a slot, and the rows of the CSV export."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.meetings.family import describe_family_meetings, family_meetings
from app.meetings.rules import ANY_VERSION, MeetingError, NeedsConfirmation, NotInRound
from app.meetings.services.booking import reserve, slots_for_meeting
from app.meetings.services.notices import record_change, send_at_once
from app.meetings.services.records import bump_sequence, current_slots, delete_reservation, holder_of, load_round
from app.meetings.times import overlapping, time_range, times_of
from app.models import Child, MeetingBooking, MeetingInvitation, MeetingReservation, MeetingSlot
from app.names import person_sort_key


def staff_planning(round_):
    """Every slot with who is booked in it, and the invited pupils without a booking."""
    round_ = load_round(round_.id)
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
    slots = slots_for_meeting(round_, slot_id, invitation.slots_needed)
    if not confirm_overlap:
        _check_family_overlap(child, slots)
    try:
        old_times, new_times, sequence = reserve(round_, child, slots, ANY_VERSION, actor=user)
        event = record_change(user, round_, child, old_times, new_times, sequence)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise MeetingError(_slot_in_the_way(round_id, slots)) from None
    except MeetingError:
        db.session.rollback()
        raise
    if event is not None:
        send_at_once()
    return round_id


def _check_family_overlap(child, slots):
    day_date = slots[0].day.date
    clashes = overlapping(family_meetings(child, {day_date}), day_date, slots[0].starts_at, slots[-1].ends_at)
    if clashes:
        raise NeedsConfirmation(
            f"Let op: {describe_family_meetings(clashes)}; dat is een kind uit hetzelfde gezin als "
            f"{child.first_name}. Wilt u {child.first_name} toch om "
            f"{time_range(slots[0].starts_at, slots[-1].ends_at)} inplannen? Vink dan “Toch inplannen” aan. "
            "De ouders lezen in de e-mail dat de tijden overlappen."
        )


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
    old_times = times_of(current_slots(reservation.id))
    child = reservation.child
    delete_reservation(reservation)
    sequence = bump_sequence(round_.id, [child.id])
    event = record_change(user, round_, child, old_times, None, sequence)
    db.session.commit()
    if event is not None:
        send_at_once()


def set_blocked(round_, slot_id, blocked):
    """Block a slot (a break) or free it again; NotInRound for a slot of another round."""
    slot = db.session.get(MeetingSlot, slot_id)
    if slot is None or slot.round_id != round_.id:
        raise NotInRound(slot_id)
    if blocked:
        holder = holder_of(slot.id)
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
