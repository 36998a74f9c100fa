"""The refusals of a booking that lost to someone else's change: what the user's page did
not show yet, and who made that change as far as we know it (read afresh)."""
from sqlalchemy import select

from app.extensions import db
from app.meetings.rules import ANY_VERSION, SLOT_TAKEN, MeetingError
from app.models import Guardianship, MeetingBooking, MeetingReservation, User

TAIL = "Hieronder ziet u de actuele planning."


def started_text(child):
    return (f"Het gesprek voor {child.first_name} is al begonnen of voorbij: u kunt het niet meer wijzigen "
            "of annuleren. Neem zo nodig contact op met de leerkracht.")


def by_whom(user, child, actor_id):
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


def changed_meanwhile(user, child, existing, expected_version=None):
    """The refusal when the reservation is not what the user's page showed."""
    if existing is None:
        return MeetingError(f"De reservering voor {child.first_name} is zojuist geannuleerd. {TAIL}")
    who = by_whom(user, child, existing.booked_by_id)
    if who is None:
        return MeetingError(f"U heeft de reservering voor {child.first_name} zojuist al gewijzigd, "
                            f"bijvoorbeeld in een ander venster. {TAIL}")
    if expected_version is None:
        return MeetingError(f"Voor {child.first_name} is zojuist al een tijd gereserveerd{who}. {TAIL}")
    return MeetingError(f"De reservering voor {child.first_name} is zojuist gewijzigd{who}. {TAIL}")


def changed_just_now(child):
    """Someone changed the reservation between our read and our write (who: not known)."""
    return MeetingError(f"De reservering voor {child.first_name} is zojuist gewijzigd. {TAIL}")


def race_lost(user, round_id, child, expected_version, slots):
    """After a constraint said no: which rule, and who was first? (read afresh)."""
    current = db.session.scalar(
        select(MeetingReservation).where(MeetingReservation.round_id == round_id,
                                         MeetingReservation.child_id == child.id)
    )
    if expected_version is not ANY_VERSION and current is not None and current.version != expected_version:
        return changed_meanwhile(user, child, current, expected_version)
    holder = db.session.scalar(
        select(MeetingReservation).join(MeetingBooking, MeetingBooking.reservation_id == MeetingReservation.id)
        .where(MeetingBooking.slot_id.in_([slot.id for slot in slots])).limit(1)
    )
    if holder is not None and holder.booked_by_id is not None:
        who = by_whom(user, holder.child, holder.booked_by_id)
        if who is None:
            return MeetingError(f"U heeft dit tijdslot zojuist al gereserveerd voor {holder.child.first_name}. "
                                "Kies een ander tijdstip.")
        if who == " door de leerkracht":
            return MeetingError("Dit tijdslot is zojuist door de leerkracht ingepland. Kies een ander tijdstip.")
    return MeetingError(SLOT_TAKEN)
