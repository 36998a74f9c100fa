"""Meeting mails: a round opened, the final times (with an .ics), a teacher's change.

The services record a NotificationEvent and, after commit, enqueue
`send_meeting_event(event_id)`. Until the notification worker (with its delivery
ledger) exists, this job renders and sends the mails itself and marks the event
dispatched. Kept small on purpose: `meeting_mails(event)` says who gets what, the job
only delivers, so the ledger can take over the delivery part later.
"""
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db, mail
from app.formatting import AMSTERDAM
from app.jobs import job_app_context
from app.jobs.mail import build_message, deliver
from app.models import (
    Guardianship,
    MeetingBooking,
    MeetingInvitation,
    MeetingReservation,
    MeetingRound,
    MeetingSlot,
    NotificationEvent,
    Role,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

MEETING_KINDS = ("meeting_opened", "meeting_final", "meeting_changed")


@dataclass
class MeetingMail:
    """One mail to one parent."""

    user: User
    subject: str
    template: str
    context: dict
    ics: bytes | None = None

    def message(self):
        message = build_message(self.user.email, self.subject, self.template, user=self.user, **self.context)
        if self.ics:
            message.attach("oudergesprek.ics", "text/calendar; charset=utf-8; method=PUBLISH", self.ics)
        return message


# --- who gets what -------------------------------------------------------------------------

def _parents(child_ids):
    """{parent: [child ids]} for parents with an active account who want meeting mails."""
    from app.notifications.services import preferences_for

    rows = db.session.execute(
        select(User, Guardianship.child_id)
        .join(Guardianship, Guardianship.parent_id == User.id)
        .where(Guardianship.child_id.in_(list(child_ids)), User.role == Role.PARENT,
               User.deactivated_at.is_(None))
        .order_by(User.id, Guardianship.child_id)
    ).all()
    parents = {}
    for user, child_id in rows:
        parents.setdefault(user, []).append(child_id)
    return {user: ids for user, ids in parents.items() if preferences_for(user)["meetings"]}


def _times(slots):
    slots = sorted(slots, key=lambda s: s.position)
    return {"date": slots[0].day.date, "start": slots[0].starts_at, "end": slots[-1].ends_at}


def _booked_times(round_id, child_ids):
    """{child id: {"date", "start", "end"}} of the children's meetings in this round."""
    reservations = db.session.scalars(
        select(MeetingReservation)
        .where(MeetingReservation.round_id == round_id, MeetingReservation.child_id.in_(list(child_ids)))
        .options(selectinload(MeetingReservation.bookings).joinedload(MeetingBooking.slot)
                 .joinedload(MeetingSlot.day))
    ).all()
    return {r.child_id: _times([b.slot for b in r.bookings]) for r in reservations if r.bookings}


def _stored_times(value):
    """The {"date","start","end"} strings of an event payload as date/time objects."""
    if not value:
        return None
    return {"date": date.fromisoformat(value["date"]),
            "start": time.fromisoformat(value["start"]), "end": time.fromisoformat(value["end"])}


def build_ics(round_, entries):
    """An iCalendar file with one event per (child, times); times are Amsterdam wall clock."""
    from icalendar import Calendar, Event

    host = urlsplit(current_app.config["PORTAL_URL"]).hostname or "ouderportaal"
    school = current_app.config["SCHOOL_NAME"]
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


def meeting_mails(event):
    """The mails this event means: one per parent (each own account its own mail)."""
    round_ = db.session.scalar(
        select(MeetingRound).where(MeetingRound.id == event.subject_id)
        .options(joinedload(MeetingRound.group), selectinload(MeetingRound.days))
    )
    if round_ is None:
        return []
    invitations = {inv.child_id: inv for inv in db.session.scalars(
        select(MeetingInvitation).where(MeetingInvitation.round_id == round_.id)
        .options(joinedload(MeetingInvitation.child)))}
    if event.kind == "meeting_changed":
        child_id = event.payload.get("child_id")
        child_ids = [child_id] if child_id in invitations else []
    elif event.payload.get("child_ids"):  # pupils invited after the round opened
        child_ids = [i for i in event.payload["child_ids"] if i in invitations]
    else:
        child_ids = list(invitations)
    if not child_ids:
        return []
    parents = _parents(child_ids)
    booked = _booked_times(round_.id, child_ids) if event.kind == "meeting_final" else {}
    mails = []
    for user, ids in parents.items():
        children = [invitations[i] for i in ids]
        context = {"round": round_, "invitations": children}
        if event.kind == "meeting_opened":
            mails.append(MeetingMail(user, f"Uitnodiging oudergesprek: {round_.title}", "meeting_opened", context))
        elif event.kind == "meeting_final":
            context["booked"] = booked
            entries = [(inv.child, booked[inv.child_id]) for inv in children if inv.child_id in booked]
            ics = build_ics(round_, entries) if entries else None
            mails.append(MeetingMail(user, f"Definitieve tijd oudergesprek: {round_.title}", "meeting_final",
                                     context, ics))
        elif event.kind == "meeting_changed":
            old, new = _stored_times(event.payload.get("old")), _stored_times(event.payload.get("new"))
            action = "verplaatst" if old and new else ("ingepland" if new else "geannuleerd")
            context.update(child=children[0].child, old=old, new=new, action=action)
            subject = f"Uw oudergesprek is {action}"
            ics = build_ics(round_, [(children[0].child, new)]) if new else None
            mails.append(MeetingMail(user, subject, "meeting_changed", context, ics))
    return mails


# --- the job ---------------------------------------------------------------------------------

def send_meeting_event(event_id):
    """Send the mails of one meeting event and mark it dispatched (runs in the worker)."""
    with job_app_context() as app:
        event = db.session.get(NotificationEvent, event_id)
        if event is None or event.kind not in MEETING_KINDS or event.dispatched_at is not None:
            return 0
        mails = meeting_mails(event)
        if mails and app.config.get("MAIL_SERVER"):
            with mail.connect() as connection:
                for item in mails:
                    deliver(item.message(), connection)
        else:
            for item in mails:
                deliver(item.message())
        event.dispatched_at = utcnow()
        db.session.commit()
        log.info("Meeting event %s (%s): %d mail(s)", event.id, event.kind, len(mails))
        return len(mails)
