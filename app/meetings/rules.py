"""Oudergesprekken: the fixed numbers and texts of the rules, and the refusals.

A service that refuses raises MeetingError with the Dutch message the user sees (or
NeedsConfirmation, when the user may insist); NotInRound when a slot or day named by the
request is not part of the round, which a route answers with 404 like an unknown id in
the URL. No imports from the rest of the app: every meetings module may use this one.
"""

SLOT_TAKEN = "Dit tijdslot is zojuist door een andere ouder gereserveerd."
SLOT_PAST = "Dit tijdslot is al begonnen of voorbij. Kies een later tijdstip."
ROUND_CLOSED_TEXT = "De planning is gesloten: u kunt uw tijd niet meer wijzigen. Neem zo nodig contact op met de leerkracht."
INFO_CHANGED = "meeting_info_changed"
MAX_ROOM_LENGTH = 100
SLOT_MINUTES_CHOICES = (5, 10, 15, 20, 25, 30, 45, 60)
MAX_SLOTS_PER_DAY = 200
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


class NotInRound(LookupError):
    """A slot or day id (or none) that is not part of this round: the route answers 404."""
