"""The days of a round in Beheer: adding one with its slots (breaks blocked), its room,
and removing it while nothing is booked on it."""
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.formatting import date_nl
from app.meetings.rules import (
    MAX_ROOM_LENGTH,
    MAX_SLOTS_PER_DAY,
    SLOT_MINUTES_CHOICES,
    MeetingError,
    NeedsConfirmation,
    NotInRound,
)
from app.meetings.services.notices import note_info_change, send_at_once
from app.meetings.services.records import bump_sequence
from app.meetings.times import parse_breaks, slot_times, time_range
from app.models import Child, MeetingBooking, MeetingDay, MeetingReservation, MeetingSlot


def add_day(round_, day_date, starts_at, ends_at, minutes, breaks_text="", room="", confirm_past=False):
    """Add a day with its slots; slots that touch a break are blocked. A day that has
    begun already is added only when the teacher confirms it (NeedsConfirmation)."""
    times, breaks = _check_day(round_, day_date, starts_at, ends_at, minutes, breaks_text)
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


def _check_day(round_, day_date, starts_at, ends_at, minutes, breaks_text):
    """The slot times and breaks of a new day, or MeetingError saying what is wrong."""
    if round_.is_closed:
        raise MeetingError("De planning is gesloten: er kunnen geen dagen meer bij.")
    if ends_at <= starts_at:
        raise MeetingError("De eindtijd moet na de begintijd liggen.")
    if minutes not in SLOT_MINUTES_CHOICES:
        raise MeetingError("Kies een geldige lengte van een tijdslot.")
    times = slot_times(starts_at, ends_at, minutes)
    if not times:
        raise MeetingError("Tussen begin- en eindtijd past geen enkel tijdslot.")
    if len(times) > MAX_SLOTS_PER_DAY:
        raise MeetingError(f"Dat zijn te veel tijdsloten op één dag (maximaal {MAX_SLOTS_PER_DAY}).")
    breaks = parse_breaks(breaks_text)
    for b_start, b_end in breaks:
        if b_start < starts_at or b_end > ends_at:
            raise MeetingError(f"De pauze {time_range(b_start, b_end)} valt buiten {time_range(starts_at, ends_at)}.")
    for other in round_.days:
        if other.date == day_date and other.starts_at < ends_at and starts_at < other.ends_at:
            raise MeetingError("Deze tijden overlappen met een dag die al in de planning staat.")
    return times, breaks


def _clean_room(room):
    room = " ".join((room or "").split())
    if len(room) > MAX_ROOM_LENGTH:
        raise MeetingError(f"De naam van het lokaal is te lang (maximaal {MAX_ROOM_LENGTH} tekens).")
    return room


def _day_of(round_, day_id):
    """A day of this round, or NotInRound."""
    day = db.session.get(MeetingDay, day_id)
    if day is None or day.round_id != round_.id:
        raise NotInRound(day_id)
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
        bump_sequence(round_.id)  # the LOCATION of booked events changes
        told = note_info_change(user, round_, room=(day, old_room, room))
    db.session.commit()
    if told:
        send_at_once()
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
