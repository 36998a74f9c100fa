"""Oudergesprekken: rounds, slots, invitations and bookings. Each function that changes
something owns its transaction and commits; a refusal raises MeetingError with a Dutch
message and leaves the database as it was (NotInRound: a slot or day of another round,
which the routes answer with 404).

The clock is app/clock.py (a test pretends with PRETEND_NOW): a slot that has started
is no longer booked, changed into or cancelled by a parent; staff still can, to record
what happened. Slot times are Amsterdam wall-clock times (app.clock.wall_clock).

One job per module:
- parent_view: what parents see (their invitations, a child's slot list)
- booking: a parent's booking and cancelling (the guarded writes); refusals: why one lost
- rounds: rounds in Beheer, opening and closing; days: a round's days and rooms
- invitations: who is invited, with 1 or 2 slots
- staff_planning: the planning in Beheer (teacher's booking, blocking, export)
- notices: the events parents are mailed about; records: shared small reads and writes
Access (which round or invitation a user reaches) is app/access.py, the rules'
numbers and refusals app/meetings/rules.py, times app/meetings/times.py, a family's other
meetings app/meetings/family.py. What routes, mails, demo data and tests use is here.
"""
from app.access import invitation_for_parent, round_for_staff
from app.meetings.family import describe_family_meetings, family_meetings, teacher_names
from app.meetings.rules import (
    ANY_VERSION,
    INFO_CHANGED,
    MAX_MESSAGE_LENGTH,
    MAX_ROOM_LENGTH,
    ROUND_CLOSED_TEXT,
    SLOT_MINUTES_CHOICES,
    SLOT_PAST,
    SLOT_TAKEN,
    MeetingError,
    NeedsConfirmation,
    NotInRound,
)
from app.meetings.services.booking import book, cancel
from app.meetings.services.days import add_day, remove_day, set_day_room
from app.meetings.services.invitations import children_of_round, save_invitations
from app.meetings.services.parent_view import (
    DayView,
    Invitation,
    SlotView,
    invitations_for_parent,
    parent_planning,
)
from app.meetings.services.rounds import (
    close_round,
    create_round,
    delete_round,
    open_round,
    rounds_for_staff,
    update_round,
)
from app.meetings.services.staff_planning import export_rows, set_blocked, staff_book, staff_cancel, staff_planning
from app.meetings.times import describe_times, overlapping, parse_breaks, slot_times, started, time_range, upcoming

__all__ = [
    "ANY_VERSION", "INFO_CHANGED", "MAX_MESSAGE_LENGTH", "MAX_ROOM_LENGTH", "ROUND_CLOSED_TEXT",
    "SLOT_MINUTES_CHOICES", "SLOT_PAST", "SLOT_TAKEN", "DayView", "Invitation", "MeetingError",
    "NeedsConfirmation", "NotInRound", "SlotView", "add_day", "book", "cancel", "close_round",
    "create_round", "delete_round", "describe_family_meetings", "describe_times", "export_rows",
    "family_meetings", "invitation_for_parent", "invitations_for_parent", "open_round", "overlapping",
    "parent_planning", "parse_breaks", "children_of_round", "remove_day", "round_for_staff", "rounds_for_staff",
    "save_invitations", "set_blocked", "set_day_room", "slot_times", "staff_book", "staff_cancel",
    "staff_planning", "started", "teacher_names", "time_range", "update_round", "upcoming",
]
