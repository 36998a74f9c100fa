"""Meeting mails as notification kinds: a round opened, the final times (with an .ics), a
teacher's change.

The meetings services record a NotificationEvent about the round ("meeting_round") in their
transaction and, after commit, enqueue the dispatcher (`app.jobs.notifications.dispatch_now`)
so the mail goes at once. The dispatcher fans the event out into the delivery ledger (one
row per parent, UNIQUE) and sends every row exactly once, with retries and backoff when the
SMTP server fails; the recipient rule is the one of every notice (active, activated parent
accounts whose "Oudergesprekken" switch is on). This module only says who is in the audience
and what the mail says:

- meeting_opened: the parents of the invited (current) pupils; one mail per parent per
  round, naming each of their invited children. Pupils invited after the round opened get
  an event whose payload says which (`child_ids`); that event has a key of its own, so
  their parents are told too, also a parent who already had the round's mail for a sibling.
- meeting_final: on closing, one mail per parent per round with the final time of each of
  their invited children and one .ics holding one calendar event per booked child.
- meeting_changed: a teacher booked, moved or cancelled one child's meeting (payload
  `child_id`, `old`, `new`); that child's parents, one mail per event (two moves: two
  mails), with an .ics of the new time.

What a mail names is decided again when it is sent: only the recipient's own children that
are (still) invited, so no other family's data ever ends up in a mail.
"""
from datetime import date, datetime, time, timezone
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.access import taught_group_ids
from app.extensions import db
from app.formatting import AMSTERDAM
from app.meetings.services import _times_of
from app.names import person_sort_key
from app.models import (
    Child,
    Guardianship,
    MeetingBooking,
    MeetingInvitation,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
)
from app.notifications.registry import (
    Kind,
    SubjectType,
    cached,
    notice_message,
    register_kind,
    register_subject_type,
)

MEETING_ROUND = register_subject_type(SubjectType(
    "meeting_round", MeetingRound, "meetings.index", "round_id", "/oudergesprekken",
    managed=lambda user: MeetingRound.group_id.in_(taught_group_ids(user)),
))


# --- who is in the audience (a SELECT of user ids; the dispatcher narrows it) ----------------

def invited_parents(round_id, child_ids=None):
    """Parents of the round's invited current pupils (of `child_ids` only, when given)."""
    query = (
        select(Guardianship.parent_id)
        .join(MeetingInvitation, MeetingInvitation.child_id == Guardianship.child_id)
        .join(Child, Child.id == Guardianship.child_id)
        .where(MeetingInvitation.round_id == round_id, Child.left_at.is_(None))
    )
    if child_ids is not None:
        query = query.where(Guardianship.child_id.in_(list(child_ids)))
    return query


def _later_invited(event):
    """The children an "opened" event is about when they were invited after the opening."""
    return (event.payload or {}).get("child_ids") if event is not None else None


def opened_recipients(event, round_):
    return invited_parents(round_.id, _later_invited(event))


def final_recipients(event, round_):
    return invited_parents(round_.id)


def changed_recipients(event, round_):
    child_id = (event.payload or {}).get("child_id")
    return None if child_id is None else invited_parents(round_.id, [child_id])


def opened_key(event):
    """One "opened" mail per parent per round; a later invitation is news of its own."""
    if _later_invited(event):
        return f"event:{event.id}"
    return f"{event.subject_type}:{event.subject_id}"


# --- what a mail says --------------------------------------------------------------------------
# The round's invitations, guardianships and booked times are read once per send run
# (registry.cached), not once per mail.

def _invitations(round_id):
    """{child id: invitation (child loaded)} of the round's invited current pupils."""
    def build():
        return {inv.child_id: inv for inv in db.session.scalars(
            select(MeetingInvitation)
            .join(Child, Child.id == MeetingInvitation.child_id)
            .where(MeetingInvitation.round_id == round_id, Child.left_at.is_(None))
            .options(joinedload(MeetingInvitation.child)))}
    return cached(("meeting_invitations", round_id), build)


def _children_by_parent(round_id):
    """{parent id: [child ids]} for the round's invited pupils."""
    def build():
        result = {}
        for parent_id, child_id in db.session.execute(
            select(Guardianship.parent_id, Guardianship.child_id)
            .join(MeetingInvitation, MeetingInvitation.child_id == Guardianship.child_id)
            .where(MeetingInvitation.round_id == round_id)
        ):
            result.setdefault(parent_id, []).append(child_id)
        return result
    return cached(("meeting_parents", round_id), build)


def _own_invitations(recipient, round_, only=None):
    """The recipient's own invited children in this round, by first name."""
    invitations = _invitations(round_.id)
    ids = [i for i in _children_by_parent(round_.id).get(recipient.id, []) if i in invitations]
    if only is not None:
        ids = [i for i in ids if i in set(only)]
    return sorted((invitations[i] for i in ids), key=lambda inv: person_sort_key(inv.child))


def booked_times(round_id, child_ids):
    """{child id: {"date", "start", "end"}} (date and time objects) of the children's
    meetings in this round."""
    reservations = db.session.scalars(
        select(MeetingReservation)
        .where(MeetingReservation.round_id == round_id, MeetingReservation.child_id.in_(list(child_ids)))
        .options(selectinload(MeetingReservation.bookings).joinedload(MeetingBooking.slot)
                 .joinedload(MeetingSlot.day))
    ).all()
    return {r.child_id: _stored_times(_times_of([b.slot for b in r.bookings]))
            for r in reservations if r.bookings}


def _stored_times(value):
    """The {"date","start","end"} strings of an event payload as date/time objects."""
    if not value:
        return None
    return {"date": date.fromisoformat(value["date"]),
            "start": time.fromisoformat(value["start"]), "end": time.fromisoformat(value["end"])}


def build_ics(round_, entries, school=None):
    """An iCalendar file with one event per (child, times); times are Amsterdam wall clock."""
    from icalendar import Calendar, Event

    host = urlsplit(current_app.config["PORTAL_URL"]).hostname or "ouderportaal"
    school = school or current_app.config["SCHOOL_NAME"]
    calendar = Calendar()
    calendar.add("prodid", "-//Ouderportaal Mijn School//Oudergesprekken//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for child, times in entries:
        event = Event()
        # One UID per child per round: a moved meeting replaces the earlier one.
        event.add("uid", f"oudergesprek-{round_.id}-{child.id}@{host}")
        event.add("dtstamp", datetime.now(timezone.utc))
        event.add("dtstart", datetime.combine(times["date"], times["start"], tzinfo=AMSTERDAM))
        event.add("dtend", datetime.combine(times["date"], times["end"], tzinfo=AMSTERDAM))
        event.add("summary", f"Oudergesprek {child.first_name} ({round_.group.label})")
        event.add("description", round_.title)
        event.add("location", school)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _message(notice, subject, template, ics=None, **context):
    from app.settings import school_details

    context["school_contact"] = cached(("school_contact",), school_details)
    message = notice_message(notice.recipient, subject, template, notice.school_name, **context)
    if ics:
        message.attach("oudergesprek.ics", "text/calendar; charset=utf-8; method=PUBLISH", ics)
    return message


def render_opened(notice):
    item = notice.items[0]
    round_ = item.subject
    invitations = _own_invitations(notice.recipient, round_, _later_invited(item.event))
    if not invitations:
        return None
    return _message(notice, f"Uitnodiging oudergesprek: {round_.title}", "meeting_opened",
                    round=round_, invitations=invitations)


def render_final(notice):
    round_ = notice.items[0].subject
    invitations = _own_invitations(notice.recipient, round_)
    if not invitations:
        return None
    booked = cached(("meeting_booked", round_.id), lambda: booked_times(round_.id, list(_invitations(round_.id))))
    entries = [(inv.child, booked[inv.child_id]) for inv in invitations if inv.child_id in booked]
    ics = build_ics(round_, entries, notice.school_name) if entries else None
    return _message(notice, f"Definitieve tijd oudergesprek: {round_.title}", "meeting_final", ics,
                    round=round_, invitations=invitations, booked=booked)


def render_changed(notice):
    item = notice.items[0]
    round_, event = item.subject, item.event
    if event is None:
        return None  # the change itself is gone: nothing to tell
    child_id = (event.payload or {}).get("child_id")
    invitations = _own_invitations(notice.recipient, round_, [child_id])
    if not invitations:
        return None
    child = invitations[0].child
    old, new = _stored_times(event.payload.get("old")), _stored_times(event.payload.get("new"))
    action = "verplaatst" if old and new else ("ingepland" if new else "geannuleerd")
    ics = build_ics(round_, [(child, new)], notice.school_name) if new else None
    return _message(notice, f"Uw oudergesprek is {action}", "meeting_changed", ics,
                    round=round_, child=child, old=old, new=new, action=action)


register_kind(Kind(
    name="meeting_opened", timing="immediate", subject_type="meeting_round", preference="meetings",
    recipients=opened_recipients, render=render_opened, key=opened_key,
    # Closed before the worker got to it (it was down): an invitation to book is no news.
    wanted=lambda round_: round_.is_open,
))
register_kind(Kind(
    name="meeting_final", timing="immediate", subject_type="meeting_round", preference="meetings",
    recipients=final_recipients, render=render_final,
))
register_kind(Kind(
    name="meeting_changed", timing="immediate", subject_type="meeting_round", preference="meetings",
    recipients=changed_recipients, render=render_changed,
    key=lambda event: f"event:{event.id}",  # every change is news: one mail per event
))
