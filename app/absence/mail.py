"""Afwezigheid in the notification catalog (app/notifications/catalog.py): what a report
or a leave request tells whom. The services record the events (app/absence/events.py);
the dispatcher narrows every audience to activated, not deactivated accounts of the kind's
audience whose switch is on, and sends each ledger row once.

Reports (subject "absence_report", one event per report; the reports of one transaction
are one batch, and the batch is the ledger key):
- absence_confirmation: to every guardian of the child (both parents, a read-only link
  too: they all see the reports), whoever made the change, also the school. One mail per
  parent per batch: a parent who reports two children at once gets ONE mail naming both.
  Switch "Ziekmeldingen en verlof" (parents, on).
- absence_teacher: at once to the teachers of the child's group (group_teachers), but
  not to those on the morning summary. Switch "direct per melding" (staff, on).
- absence_teacher_late: a change that is urgent (the report covers today and today's
  cut-off has passed: "na aanvang", or a change after the summary went out) to the
  teachers on the morning summary, at once.
- absence_summary: ONE mail per teacher per school day (key "absence_day:<date>"), due
  at that day's cut-off, listing the reports of their groups for that day whose changes
  came before it, read from the current state when sent (withdrawn ones left out;
  nothing left: no mail). Switch "Ochtendoverzicht" (staff, OFF by default).
  What the two staff switches mean together: the summary on wins ("in plaats daarvan"):
  then changes before the cut-off wait for the summary and urgent ones come at once,
  whatever "direct per melding" says; summary off: "direct per melding" decides (off
  too: no absence mail at all, the day list shows everything).
  The office gets no mail per report (it has the day list), a teacher of another group
  never: every mail names only the recipient's own children (a parent) or the pupils of
  the recipient's own groups (a teacher), decided again when it is sent.

Leave (subject "leave_request"):
- leave_received: the guardians of the request's children, on submission (switch
  "Ziekmeldingen en verlof"); leave_new: the office (admins), switch "Nieuwe
  verlofaanvragen" (staff, on; shown to the office only).
- leave_decision: the decision (toegestaan, geweigerd) or the forwarding to the
  leerplichtambtenaar, to every guardian of every child of the request, one mail per
  event. NOT switchable (preference None, like the account mails): a decision under the
  Leerplichtwet is a besluit under the Awb; its 6-week term for bezwaar runs from the date
  of the decision, and the mail is how the school makes it known. A parent must not lose
  that term by a switch meant for confirmations. (A guardian without an activated account
  gets no mail, as for every notice: the office tells them otherwise.)

Beheer › E-mail: both subject types are `private`: no section (they are records about
one family, not something staff publish, and teachers open that page), but a failed mail
shows in its failed list to those who may see the record (a report: the teachers of the
pupil's group and the office; a leave request: the office), by the pupil's name only.
"""
from datetime import date

from flask import url_for
from sqlalchemy import exists, false, select, true
from sqlalchemy.orm import joinedload

from app import clock
from app.absence import mail_text
from app.absence.calendar import absence_settings
from app.absence.events import cutoff_of
from app.access import remembered, report_clause
from app.extensions import db
from app.models import (
    AbsenceReport,
    Child,
    Guardianship,
    LeaveRequest,
    NotificationEvent,
    NotificationPreference,
    Role,
    User,
    group_teachers,
    leave_request_children,
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

PARENTS = "absence"  # the parents' switch "Ziekmeldingen en verlof"


def _cutoff_text():
    return absence_settings().cutoff.strftime("%H:%M")


def _has_children(user):
    return remembered(("absence_has_children", user.id), lambda: db.session.scalar(
        select(exists().where(Guardianship.parent_id == user.id))))


def _teaches(user):
    """Teachers, and office staff who are a group's teacher: they can get report mails."""
    return user.role == Role.TEACHER or remembered(("absence_teaches", user.id), lambda: db.session.scalar(
        select(exists().where(group_teachers.c.user_id == user.id))))


register_preference(Preference(
    PARENTS, "Ziekmeldingen en verlof", position=60, applies=_has_children,
    hint="Een bevestiging van elke ziekmelding of andere afwezigheid van uw kind (ook een wijziging, intrekking "
         "of 'weer beter', door u, de andere ouder of de school) en van een verlofaanvraag. Het besluit over verlof "
         "krijgt u altijd."))
register_preference(Preference(
    "absence_now", "Ziekmeldingen van mijn groep(en) direct per melding", position=10, audience="staff",
    applies=_teaches,
    hint="Eén e-mail per melding of wijziging van een leerling van uw groep(en). Staan beide schakelaars uit, dan "
         "krijgt u geen e-mail over afwezigheid; de daglijst in Beheer › Afwezigheid toont alles."))
register_preference(Preference(
    "absence_summary", lambda: f"Ochtendoverzicht om {_cutoff_text()} in plaats daarvan", position=20,
    audience="staff", default=False, applies=_teaches,
    hint=lambda: f"Aan: wat vóór {_cutoff_text()} is gemeld voor een schooldag, krijgt u die dag om {_cutoff_text()} "
                 "in één e-mail, ook als 'direct per melding' aanstaat. Een melding voor vandaag na "
                 f"{_cutoff_text()} (na aanvang) of een wijziging daarna krijgt u wel direct."))
register_preference(Preference(
    "leave_new", "Nieuwe verlofaanvragen", position=30, audience="staff",
    applies=lambda user: user.role == Role.ADMIN,
    hint="Een e-mail als een ouder verlof aanvraagt, om te beoordelen in Beheer › Afwezigheid › Verlof."))

register_subject_type(SubjectType(
    "absence_report", AbsenceReport, "absence.report_edit", "report_id", label="Afwezigheid", position=60,
    private=True,
    # The teachers of the pupil's group and the office (app.access.report_clause).
    managed=report_clause,
    title=lambda report: f"Afwezigheid van {report.child.name}",
))
register_subject_type(SubjectType(
    "leave_request", LeaveRequest, "absence.leave_show", "request_id", label="Verlof", position=70, private=True,
    managed=lambda user: true() if user.role == Role.ADMIN else false(),  # the office decides on leave
    title=lambda request: f"Verlof voor {mail_text.names(request.children)}",
))


# --- audiences (SELECTs of user ids; the planner narrows them) -----------------------------------

def guardians(child_ids):
    return select(Guardianship.parent_id).where(Guardianship.child_id.in_(list(child_ids)))


def group_teacher_ids(child_id):
    """The teachers of the child's (current) group."""
    return (select(group_teachers.c.user_id)
            .join(Child, Child.group_id == group_teachers.c.group_id).where(Child.id == child_id))


def _on_summary():
    return exists().where(NotificationPreference.user_id == group_teachers.c.user_id,
                          NotificationPreference.kind == "absence_summary", NotificationPreference.enabled.is_(True))


def confirmation_recipients(event, report):
    return guardians([report.child_id])


def teacher_recipients(event, report):
    return group_teacher_ids(report.child_id).where(~_on_summary())


def late_recipients(event, report):
    return group_teacher_ids(report.child_id)  # narrowed to the summary's switch (default off)


def leave_guardians(event, request):
    return select(Guardianship.parent_id).join(
        leave_request_children, leave_request_children.c.child_id == Guardianship.child_id
    ).where(leave_request_children.c.request_id == request.id)


def office(event, request):
    return select(User.id).where(User.role == Role.ADMIN)


def batch_key(event):
    return f"absence:{(event.payload or {}).get('batch') or event.id}"


def summary_key(event):
    return f"absence_day:{(event.payload or {}).get('day')}"


def summary_due(event, report, now):
    """Due at the cut-off of the day in its payload (the planner asks every tick until then)."""
    day = (event.payload or {}).get("day")
    return day is None or now >= clock.parse_moment(cutoff_of(date.fromisoformat(day)))


# --- who the recipient is to these reports ----------------------------------------------------

def own_child_ids(user):
    return set(db.session.scalars(select(Guardianship.child_id).where(Guardianship.parent_id == user.id)))


def taught_ids(user):
    return set(db.session.scalars(select(group_teachers.c.group_id).where(group_teachers.c.user_id == user.id)))


def _load_reports(ids):
    if not ids:
        return []
    return db.session.scalars(
        select(AbsenceReport).where(AbsenceReport.id.in_(sorted(ids)))
        .options(joinedload(AbsenceReport.child).joinedload(Child.group), joinedload(AbsenceReport.reason))
    ).unique().all()


def _batch_changes(notice):
    """{report id: change} of the notice's batch (every event of a batch names all)."""
    changes = {}
    for item in notice.items:
        payload = (item.event.payload or {}) if item.event is not None else {}
        for report_id, change in (payload.get("reports") or {}).items():
            changes.setdefault(int(report_id), change)
        changes.setdefault(item.subject.id, payload.get("change", "gewijzigd"))
    return changes


def _actor(notice):
    """(payload "by", the actor's user id) of the batch's change."""
    event = next((item.event for item in notice.items if item.event is not None), None)
    if event is None:
        return "parent", None
    return (event.payload or {}).get("by", "parent"), event.created_by_id


def _actor_name(user_id):
    if user_id is None:
        return None
    return cached(("absence_actor", user_id), lambda: getattr(db.session.get(User, user_id), "name", None) or "")


def _entries(notice, keep, for_staff):
    changes = _batch_changes(notice)
    by, actor_id = _actor(notice)
    who = mail_text.made_by(by, actor_id, _actor_name(actor_id), notice.recipient, for_staff)
    reports = [report for report in _load_reports(changes) if keep(report)]
    reports.sort(key=lambda report: mail_text.report_order(report, for_staff))
    return [mail_text.entry(report, changes[report.id], who, for_staff) for report in reports]


def _message(notice, subject, template, **context):
    from app.settings import school_details

    context["school_contact"] = cached(("school_contact",), school_details)
    context["cutoff"] = _cutoff_text()
    return notice_message(notice.recipient, subject, template, notice.school_name, **context)


# --- rendering ----------------------------------------------------------------------------------

def render_confirmation(notice):
    own = own_child_ids(notice.recipient)
    entries = _entries(notice, lambda report: report.child_id in own, for_staff=False)
    if not entries:
        return None
    return _message(notice, mail_text.subject(entries, for_staff=False), "absence_confirmation", entries=entries,
                    url=url_for("absence.index", _external=True))


def render_teacher(notice):
    groups = taught_ids(notice.recipient)
    entries = _entries(notice, lambda report: report.child.group_id in groups, for_staff=True)
    if not entries:
        return None
    late = notice.kind == "absence_teacher_late"
    return _message(notice, mail_text.subject(entries, for_staff=True, late=late), "absence_teacher",
                    entries=entries, late=late, url=url_for("staff_absence.index", _external=True))


def summary_reports(teacher, day):
    """The reports of the teacher's groups for `day` (not withdrawn) whose changes were for
    that day's summary: read from the events, so a report whose event the planner reached
    only after this mail was claimed is still in it."""
    groups = taught_ids(teacher)
    if not groups:
        return []
    reports = db.session.scalars(
        select(AbsenceReport).join(Child, Child.id == AbsenceReport.child_id)
        .where(Child.group_id.in_(groups), AbsenceReport.withdrawn_at.is_(None),
               AbsenceReport.start_date <= day,
               (AbsenceReport.end_date.is_(None)) | (AbsenceReport.end_date >= day))
        .options(joinedload(AbsenceReport.child).joinedload(Child.group), joinedload(AbsenceReport.reason))
    ).unique().all()
    if not reports:
        return []
    wanted = {report.id: report for report in reports}
    told = {subject_id for subject_id, payload in db.session.execute(
        select(NotificationEvent.subject_id, NotificationEvent.payload)
        .where(NotificationEvent.kind == "absence_summary", NotificationEvent.subject_type == "absence_report",
               NotificationEvent.subject_id.in_(sorted(wanted))))
        if (payload or {}).get("day") == day.isoformat()}
    return sorted((wanted[i] for i in told), key=mail_text.report_order)


def render_summary(notice):
    event = next((item.event for item in notice.items if item.event is not None), None)
    if event is None or not (event.payload or {}).get("day"):
        return None
    day = date.fromisoformat(event.payload["day"])
    reports = summary_reports(notice.recipient, day)
    if not reports:
        return None  # all withdrawn (or moved to another day) before the cut-off
    entries = [mail_text.entry(report, None, None, for_staff=True) for report in reports]
    return _message(notice, f"Ochtendoverzicht afwezigheid {mail_text.day_text(day)}", "absence_summary",
                    entries=entries, day=day, url=url_for("staff_absence.index", _external=True))


def _own_leave_children(notice, request):
    own = own_child_ids(notice.recipient)
    return [child for child in request.children if child.id in own]


def render_leave_received(notice):
    request = notice.items[0].subject
    children = _own_leave_children(notice, request)
    if not children or request.withdrawn_at is not None:
        return None
    return _message(notice, f"Verlofaanvraag ontvangen voor {mail_text.names(children, first=True)}",
                    "absence_leave_received", request=request, children=children,
                    dates=mail_text.leave_dates(request), has_checks=bool(request.checks),
                    url=url_for("absence.leave_show", request_id=request.id, _external=True))


def render_leave_new(notice):
    request = notice.items[0].subject
    if not request.is_pending:
        return None  # withdrawn (or decided) before the office got its mail
    return _message(notice, f"Nieuwe verlofaanvraag: {mail_text.names(request.children)}", "absence_leave_new",
                    request=request, children=request.children, dates=mail_text.leave_dates(request),
                    url=url_for("staff_absence.leave_decide", request_id=request.id, _external=True))


def render_leave_decision(notice):
    item = notice.items[0]
    request = item.subject
    status = ((item.event.payload or {}) if item.event is not None else {}).get("status", request.status)
    if status not in mail_text.DECISIONS:
        return None
    if status == "doorgestuurd" and request.status != "doorgestuurd":
        return None  # decided since: the decision's own mail tells it
    children = _own_leave_children(notice, request)
    if not children:
        return None
    text = mail_text.decision(request, status)
    return _message(notice, f"{text['subject']} voor {mail_text.names(children, first=True)}",
                    "absence_leave_decision", request=request, children=children, decision=text,
                    dates=mail_text.leave_dates(request), list_unsubscribe=False,
                    url=url_for("absence.leave_show", request_id=request.id, _external=True))


register_kind(Kind(
    name="absence_confirmation", label="Afwezigheid: bevestiging aan ouders", timing="immediate",
    subject_type="absence_report", preference=PARENTS, recipients=confirmation_recipients,
    render=render_confirmation, key=batch_key,
))
register_kind(Kind(
    name="absence_teacher", label="Afwezigheid: aan leerkracht", timing="immediate", audience="staff",
    subject_type="absence_report", preference="absence_now", recipients=teacher_recipients,
    render=render_teacher, key=batch_key,
))
register_kind(Kind(
    name="absence_teacher_late", label="Afwezigheid na aanvang: aan leerkracht", timing="immediate",
    audience="staff", subject_type="absence_report", preference="absence_summary", recipients=late_recipients,
    render=render_teacher, key=batch_key,
))
register_kind(Kind(
    name="absence_summary", label="Afwezigheid: ochtendoverzicht", timing="immediate", audience="staff",
    subject_type="absence_report", preference="absence_summary", recipients=late_recipients,
    render=render_summary, key=summary_key, ready_for=summary_due,
))
register_kind(Kind(
    name="leave_received", label="Verlofaanvraag: bevestiging aan ouders", timing="immediate",
    subject_type="leave_request", preference=PARENTS, recipients=leave_guardians, render=render_leave_received,
    key=lambda event: f"event:{event.id}",
))
register_kind(Kind(
    name="leave_new", label="Verlofaanvraag: aan de administratie", timing="immediate", audience="staff",
    subject_type="leave_request", preference="leave_new", recipients=office, render=render_leave_new,
    key=lambda event: f"event:{event.id}",
))
register_kind(Kind(
    name="leave_decision", label="Verlofbesluit aan ouders", timing="immediate",
    subject_type="leave_request", preference=None, recipients=leave_guardians, render=render_leave_decision,
    key=lambda event: f"event:{event.id}",  # doorgestuurd, later the decision: two mails
))
