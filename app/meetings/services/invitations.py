"""Who is invited to a round (Beheer's invitation table): the group's pupils, each with
1 or 2 slots and a personal message. A booked pupil who changes size keeps the time."""
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.meetings.family import describe_family_meetings, family_meetings
from app.meetings.rules import MAX_MESSAGE_LENGTH, MeetingError
from app.meetings.services.notices import record_change, send_at_once
from app.meetings.services.records import bump_sequence, current_slots, holder_of
from app.meetings.times import overlapping, time_range, times_of
from app.models import Child, MeetingBooking, MeetingInvitation, MeetingReservation, MeetingSlot, utcnow
from app.notifications.services import record_event


def children_of_round(round_):
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
        changes = [record_change(user, round_, *change) for change in resized]
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
        send_at_once()


def _apply_invitations(round_, entries):
    pupils = dict((child.id, (child, inv)) for child, inv in children_of_round(round_))
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
    slots = sorted(current_slots(reservation.id), key=lambda s: s.position)
    old_times = times_of(slots)
    first = slots[0]
    if needed == 1:
        db.session.execute(delete(MeetingBooking).where(MeetingBooking.reservation_id == reservation.id,
                                                        MeetingBooking.part == 1)
                           .execution_options(synchronize_session=False))
        new_slots = [first]
    else:
        following = _free_slot_after(child, first)
        db.session.add(MeetingBooking(round_id=round_.id, slot_id=following.id, reservation_id=reservation.id,
                                      part=1))
        db.session.flush()  # the slot UNIQUE constraint: someone may just have booked it
        new_slots = [first, following]
    # A parent's page rendered before this change must not overwrite it.
    db.session.execute(update(MeetingReservation).where(MeetingReservation.id == reservation.id)
                       .values(version=MeetingReservation.version + 1, updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    sequence = bump_sequence(round_.id, [child.id])
    return child, old_times, times_of(new_slots), sequence


def _free_slot_after(child, first):
    """The slot right after `first` for a meeting growing to two slots, or MeetingError
    naming what is in the way (end of the day, a break, a booking, a sibling's meeting)."""
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
    holder = holder_of(following.id)
    if holder is not None:
        raise MeetingError(f"{child.name} kan niet naar twee tijdsloten: het tijdslot "
                           f"{time_range(following.starts_at, following.ends_at)} erna is gereserveerd voor "
                           f"{holder.name}. {move_first}")
    clashes = overlapping(family_meetings(child, {first.day.date}), first.day.date,
                          following.starts_at, following.ends_at)
    if clashes:
        raise MeetingError(f"{child.name} kan niet naar twee tijdsloten: "
                           f"{describe_family_meetings(clashes)}. Plan {child.first_name} in de planning in.")
    return following
