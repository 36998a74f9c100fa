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
  `child_id`, `old`, `new`, `sequence`); that child's parents, one mail per event (two
  moves: two mails), with an .ics of the new time, or on cancelling an .ics with
  METHOD:CANCEL for the same UID.
- meeting_info_changed: the information text or a day's room changed after opening
  (payload `info` {old, new} and/or `rooms` {day id: {date, start, end, old, new}}); the
  parents of the invited pupils, one mail per event saying what changed. Saves that were
  not planned yet are folded into one event by the service (see services.notices.note_info_change);
  booked families get their calendar event again with the new room.

Calendar events (.ics): one UID per child per round; SEQUENCE is the invitation's
`ics_sequence`, raised on every change, so a calendar replaces its copy; the event names
the teacher(s) and the day's room. A time that overlaps a meeting of another of the
recipient's children is said so in the mail, never left to be found out.

What a mail names is decided again when it is sent: only the recipient's own children that
are (still) invited, so no other family's data ever ends up in a mail.
"""
from datetime import date, time
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import clock, ics
from app.access import taught_group_ids
from app.extensions import db
from app.meetings.family import describe_family_meetings, meetings_of, teacher_names
from app.meetings.rules import INFO_CHANGED
from app.meetings.times import overlapping, times_of
from app.names import person_sort_key
from app.models import (
    Child,
    Guardianship,
    MeetingBooking,
    MeetingDay,
    MeetingInvitation,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
)
from app.notifications.catalog import (
    Kind,
    Preference,
    SubjectType,
    register_kind,
    register_preference,
    register_subject_type,
)
from app.notifications.registry import cached, notice_message

register_preference(Preference("meetings", "Oudergesprekken", position=50))

register_subject_type(SubjectType(
    "meeting_round", MeetingRound, "meetings.index", "round_id", label="Oudergesprekken", position=40,
    managed=lambda user: MeetingRound.group_id.in_(taught_group_ids(user)),
    # Opened rounds only (a concept mails nobody), with their group.
    listed=lambda query: query.where(MeetingRound.status != "concept").options(joinedload(MeetingRound.group)),
    shown_at=lambda round_: round_.opened_at or round_.created_at,
    note=lambda round_: round_.group.label,
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
    """{parent id: {child id: read_only}} for the round's invited pupils."""
    def build():
        result = {}
        for parent_id, child_id, read_only in db.session.execute(
            select(Guardianship.parent_id, Guardianship.child_id, Guardianship.read_only)
            .join(MeetingInvitation, MeetingInvitation.child_id == Guardianship.child_id)
            .where(MeetingInvitation.round_id == round_id)
        ):
            result.setdefault(parent_id, {})[child_id] = bool(read_only)
        return result
    return cached(("meeting_parents", round_id), build)


def _own_invitations(recipient, round_, only=None):
    """The recipient's own invited children in this round, by first name."""
    invitations = _invitations(round_.id)
    ids = [i for i in _children_by_parent(round_.id).get(recipient.id, {}) if i in invitations]
    if only is not None:
        ids = [i for i in ids if i in set(only)]
    return sorted((invitations[i] for i in ids), key=lambda inv: person_sort_key(inv.child))


def _read_only_ids(recipient, round_):
    """The recipient's children in this round whose link is read-only (they look, the other
    parent chooses)."""
    links = _children_by_parent(round_.id).get(recipient.id, {})
    return {child_id for child_id, read_only in links.items() if read_only}


def _teachers(round_):
    return cached(("meeting_teachers", round_.id), lambda: teacher_names(round_.group))


def _rooms(round_):
    """{date: room} of the round's days (one room per date; the first day's when two)."""
    def build():
        rooms = {}
        for day in db.session.scalars(select(MeetingDay).where(MeetingDay.round_id == round_.id)
                                      .order_by(MeetingDay.date, MeetingDay.starts_at)):
            rooms.setdefault((day.date, day.starts_at, day.ends_at), day.room or "")
        return rooms
    return cached(("meeting_rooms", round_.id), build)


def _room_at(round_, times):
    """The room of the day a meeting is on (a day is a time window on a date)."""
    for (day, start, end), room in _rooms(round_).items():
        if day == times["date"] and start <= times["start"] and times["end"] <= end:
            return room
    return ""


def _clashes(recipient, child, times):
    """Meetings of the recipient's other children that overlap this time (their own
    children only: nothing of another family)."""
    if not times:
        return []
    own_children = select(Guardianship.child_id).where(Guardianship.parent_id == recipient.id)
    meetings = meetings_of(own_children, {times["date"]}, child.id)
    return overlapping(meetings, times["date"], times["start"], times["end"])


def booked_times(round_id, child_ids):
    """{child id: {"date", "start", "end"}} (date and time objects) of the children's
    meetings in this round."""
    reservations = db.session.scalars(
        select(MeetingReservation)
        .where(MeetingReservation.round_id == round_id, MeetingReservation.child_id.in_(list(child_ids)))
        .options(selectinload(MeetingReservation.bookings).joinedload(MeetingBooking.slot)
                 .joinedload(MeetingSlot.day))
    ).all()
    return {r.child_id: _stored_times(times_of([b.slot for b in r.bookings]))
            for r in reservations if r.bookings}


def _stored_times(value):
    """The {"date","start","end"} strings of an event payload as date/time objects."""
    if not value:
        return None
    return {"date": date.fromisoformat(value["date"]),
            "start": time.fromisoformat(value["start"]), "end": time.fromisoformat(value["end"])}


def build_ics(round_, entries, school=None, method="PUBLISH"):
    """An iCalendar file with one event per entry {"child", "times", "sequence", "room"};
    times are Amsterdam wall clock. method "CANCEL" cancels the entries' events."""
    host = urlsplit(current_app.config["PORTAL_URL"]).hostname or "ouderportaal"
    school = school or current_app.config["SCHOOL_NAME"]
    # ORGANIZER of the events: the school, at the address the mails come from.
    address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1] or "noreply@ouderportaal.invalid"
    teachers = " en ".join(_teachers(round_))
    events = []
    for entry in entries:
        child, times = entry["child"], entry["times"]
        summary = f"Oudergesprek {child.first_name} ({round_.group.label})"
        events.append(ics.event(
            # One UID per child per round: a moved meeting replaces the earlier one, and a
            # higher SEQUENCE tells the calendar this version is the newer one.
            f"oudergesprek-{round_.id}-{child.id}@{host}",
            ics.amsterdam(times["date"], times["start"]), ics.amsterdam(times["date"], times["end"]),
            clock.utcnow(),
            sequence=entry.get("sequence") or 0,
            summary=f"{summary} met {teachers}" if teachers else summary,
            description=round_.title + (f"\nLeerkracht: {teachers}" if teachers else ""),
            location=", ".join(part for part in (entry.get("room"), school) if part),
            organizer=ics.organizer(address, school),
            status="CANCELLED" if method == "CANCEL" else None,
        ))
    return ics.calendar_file("-//Ouderportaal Mijn School//Oudergesprekken//NL", events, method)


def _message(notice, subject, template, ics=None, method="PUBLISH", **context):
    from app.settings import school_details

    context["school_contact"] = cached(("school_contact",), school_details)
    message = notice_message(notice.recipient, subject, template, notice.school_name, **context)
    if ics:
        message.attach("oudergesprek.ics", f"text/calendar; charset=utf-8; method={method}", ics)
    return message


def _entry(round_, invitation, times, sequence=None):
    return {"child": invitation.child, "times": times, "room": _room_at(round_, times),
            "sequence": invitation.ics_sequence if sequence is None else sequence}


def render_opened(notice):
    item = notice.items[0]
    round_ = item.subject
    invitations = _own_invitations(notice.recipient, round_, _later_invited(item.event))
    if not invitations:
        return None
    read_only = _read_only_ids(notice.recipient, round_)
    return _message(notice, f"Uitnodiging oudergesprek: {round_.title}", "meeting_opened",
                    round=round_, invitations=invitations, read_only=read_only,
                    can_choose=any(inv.child_id not in read_only for inv in invitations))


def render_final(notice):
    round_ = notice.items[0].subject
    invitations = _own_invitations(notice.recipient, round_)
    if not invitations:
        return None
    booked = cached(("meeting_booked", round_.id), lambda: booked_times(round_.id, list(_invitations(round_.id))))
    entries = [_entry(round_, inv, booked[inv.child_id]) for inv in invitations if inv.child_id in booked]
    ics = build_ics(round_, entries, notice.school_name) if entries else None
    clashes = {entry["child"].id: describe_family_meetings(_clashes(notice.recipient, entry["child"], entry["times"]))
               for entry in entries}
    rooms = {entry["child"].id: entry["room"] for entry in entries}
    return _message(notice, f"Definitieve tijd oudergesprek: {round_.title}", "meeting_final", ics,
                    round=round_, invitations=invitations, booked=booked, rooms=rooms, clashes=clashes,
                    has_attachment=bool(ics), teachers=_teachers(round_))


def render_changed(notice):
    item = notice.items[0]
    round_, event = item.subject, item.event
    if event is None:
        return None  # the change itself is gone: nothing to tell
    payload = event.payload or {}
    invitations = _own_invitations(notice.recipient, round_, [payload.get("child_id")])
    if not invitations:
        return None
    invitation = invitations[0]
    child = invitation.child
    old, new = _stored_times(payload.get("old")), _stored_times(payload.get("new"))
    action = "verplaatst" if old and new else ("ingepland" if new else "geannuleerd")
    sequence = payload.get("sequence")
    if new:
        ics, method = build_ics(round_, [_entry(round_, invitation, new, sequence)], notice.school_name), "PUBLISH"
    elif old:  # cancelled: the calendar removes the event it had under the same UID
        ics, method = build_ics(round_, [_entry(round_, invitation, old, sequence)], notice.school_name,
                                method="CANCEL"), "CANCEL"
    else:
        ics, method = None, "PUBLISH"
    return _message(notice, f"Uw oudergesprek is {action}", "meeting_changed", ics, method,
                    round=round_, child=child, old=old, new=new, action=action,
                    room=_room_at(round_, new) if new else "",
                    clashes=describe_family_meetings(_clashes(notice.recipient, child, new)),
                    read_only=child.id in _read_only_ids(notice.recipient, round_),
                    teachers=_teachers(round_))


def render_info_changed(notice):
    item = notice.items[0]
    round_, event = item.subject, item.event
    payload = (event.payload or {}) if event is not None else {}
    info, rooms = payload.get("info"), sorted((payload.get("rooms") or {}).values(),
                                              key=lambda r: (r["date"], r["start"]))
    if not info and not rooms:
        return None
    invitations = _own_invitations(notice.recipient, round_)
    if not invitations:
        return None
    changed_dates = {date.fromisoformat(room["date"]) for room in rooms}
    booked = cached(("meeting_booked", round_.id), lambda: booked_times(round_.id, list(_invitations(round_.id))))
    # The booked meetings on a day with another room: their calendar event again.
    entries = [_entry(round_, inv, booked[inv.child_id]) for inv in invitations
               if inv.child_id in booked and booked[inv.child_id]["date"] in changed_dates]
    ics = build_ics(round_, entries, notice.school_name) if entries else None
    for room in rooms:
        room["day"] = date.fromisoformat(room["date"])
    return _message(notice, f"Gewijzigde informatie oudergesprek: {round_.title}", "meeting_info_changed", ics,
                    round=round_, invitations=invitations, info=info, rooms=rooms, entries=entries,
                    has_attachment=bool(ics))


register_kind(Kind(
    name="meeting_opened", label="Oudergesprekken",
    timing="immediate", subject_type="meeting_round", preference="meetings",
    recipients=opened_recipients, render=render_opened, key=opened_key,
    # Closed before the worker got to it (it was down): an invitation to book is no news.
    wanted=lambda round_: round_.is_open,
))
register_kind(Kind(
    name="meeting_final", label="Oudergesprekken: definitieve tijd",
    timing="immediate", subject_type="meeting_round", preference="meetings",
    recipients=final_recipients, render=render_final,
))
register_kind(Kind(
    name="meeting_changed", label="Oudergesprekken: gewijzigd",
    timing="immediate", subject_type="meeting_round", preference="meetings",
    recipients=changed_recipients, render=render_changed,
    key=lambda event: f"event:{event.id}",  # every change is news: one mail per event
))
register_kind(Kind(
    name=INFO_CHANGED, label="Oudergesprekken: nieuwe informatie",
    timing="immediate", subject_type="meeting_round", preference="meetings",
    recipients=final_recipients, render=render_info_changed,
    # One mail per event: the service folds saves into one event until it is planned.
    key=lambda event: f"event:{event.id}",
))
