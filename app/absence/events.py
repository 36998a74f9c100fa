"""What Afwezigheid tells by mail: the NotificationEvents a service records in its
transaction, and after the commit the dispatcher enqueued so the mail goes at once.
The kinds themselves (who gets which mail, what it says) are in app/absence/mail.py.

The services of app/absence call, before their commit:
- `report_changed(report, actor, change)`, change one of CHANGES, for every new report,
  change, withdrawal and "weer beter" (by a parent or by staff), one call per child's
  report; the reports of ONE transaction are one batch: a parent who reports two children
  at once gets one mail naming both (so report them in one transaction);
- `leave_submitted(request, actor)` when a parent submits a leave request;
- `leave_decided(request, actor)` when the office decides (toegestaan, geweigerd) or
  forwards it to the leerplichtambtenaar (doorgestuurd);
and `send_at_once()` after it.

Per report change this records (payload: what the mail needs that the row does not hold):
- "absence_confirmation" (the child's guardians) and "absence_teacher" (the group's
  teachers who get every report at once), both keyed by the batch, payload {"batch",
  "change", "by", "urgent", "reports": {report id: change} of the whole batch};
- when the change is "urgent" (the report covers today, a school day, and today's cut-off
  has passed: a report "na aanvang", or a change after the morning summary went out):
  also "absence_teacher_late" for the teachers on the morning summary;
- otherwise "absence_summary" for the day whose morning summary tells it (payload "day"):
  the first school day the report covers from the next cut-off on (none for a withdrawal,
  or for a report that lies wholly in the past).
No reason or note is copied into a payload: the mail reads them from the report when it
is sent, so they are kept (and removed) with the report only.
"""
import logging
from datetime import timedelta
from uuid import uuid4

from app import clock
from app.absence.calendar import absence_settings, is_school_day
from app.extensions import db
from app.jobs import enqueue
from app.notifications.services import record_event

log = logging.getLogger(__name__)

CHANGES = ("nieuw", "gewijzigd", "ingetrokken", "beter")
BATCH = "absence_mail_batch"   # db.session.info: the events of the open transaction
SEARCH_DAYS = 366              # how far ahead the summary day of a future report is looked for


def covers(report, day):
    return report.start_date <= day and (report.end_date is None or day <= report.end_date)


def cutoff_of(day):
    """The cut-off of `day` (aware, Amsterdam): when its morning summary goes out."""
    return clock.wall_clock(day, absence_settings().cutoff)


def is_urgent(report, now=None):
    """The report covers today, a school day whose cut-off has passed: the teachers hear
    it at once, also those on the morning summary (it came too late for it)."""
    now = now or clock.now()
    today = now.date()
    return is_school_day(today) and now >= cutoff_of(today) and covers(report, today)


def summary_day(report, now=None):
    """The school day whose morning summary tells of a change made now (not urgent): the
    first school day the report covers from the next cut-off on, or None."""
    now = now or clock.now()
    first = now.date() if now < cutoff_of(now.date()) else now.date() + timedelta(days=1)
    day = max(first, report.start_date)
    last = day + timedelta(days=SEARCH_DAYS)
    if report.end_date is not None:
        last = min(last, report.end_date)
    while day <= last:
        if is_school_day(day):
            return day
        day += timedelta(days=1)
    return None


def _batch():
    """The batch of the open transaction: its token and the report events recorded so far
    (a new transaction, after a commit or a rollback, starts a new batch)."""
    session = db.session()
    if session.get_transaction() is None:
        session.connection()  # begin it now, so the batch belongs to this transaction
    transaction = session.get_transaction()
    batch = session.info.get(BATCH)
    if batch is None or batch["transaction"] is not transaction:
        batch = {"transaction": transaction, "token": uuid4().hex, "reports": {}, "events": []}
        session.info[BATCH] = batch
    return batch


def _by(actor):
    return "school" if actor is not None and actor.is_staff else "parent"


def report_changed(report, actor, change):
    """Record the notices of a new or changed report (caller commits)."""
    if change not in CHANGES:
        raise ValueError(f"unknown change {change!r}")
    if report.id is None:
        db.session.flush()
    now = clock.now()
    batch = _batch()
    batch["reports"][str(report.id)] = change
    urgent = is_urgent(report, now)
    payload = {"batch": batch["token"], "change": change, "by": _by(actor), "urgent": urgent}
    kinds = ["absence_confirmation", "absence_teacher"] + (["absence_teacher_late"] if urgent else [])
    for kind in kinds:
        batch["events"].append(record_event(kind, "absence_report", report.id, actor, **payload))
    # Every event of the batch names the whole batch: whichever is planned first, the
    # mail names every report of it (a new dict: the JSON column sees the change).
    for event in batch["events"]:
        event.payload = {**event.payload, "reports": dict(batch["reports"])}
    day = None if urgent or change == "ingetrokken" else summary_day(report, now)
    if day is not None:
        record_event("absence_summary", "absence_report", report.id, actor, day=day.isoformat(), change=change)


def leave_submitted(request, actor):
    """Record the notices of a new leave request (caller commits): a confirmation to the
    guardians of its children, and a notice to the office."""
    if request.id is None:
        db.session.flush()
    record_event("leave_received", "leave_request", request.id, actor)
    record_event("leave_new", "leave_request", request.id, actor)


def leave_decided(request, actor):
    """Record the notice of the office's decision on a leave request (caller commits); the
    payload keeps which decision it was (a forwarded request is decided later again)."""
    if request.id is None:
        db.session.flush()
    record_event("leave_decision", "leave_request", request.id, actor, status=request.status)


def send_at_once():
    """After commit: let the dispatcher send the recorded events now (never inside the
    transaction). If Redis is unreachable the events stay recorded and the worker's minute
    tick sends them."""
    try:
        enqueue("app.jobs.notifications.dispatch_now")
    except Exception:  # noqa: BLE001
        log.exception("Could not enqueue the notification dispatcher for an absence mail")
