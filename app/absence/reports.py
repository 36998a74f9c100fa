"""Absence reports (ziekmelden): making, changing, withdrawing and "weer beter", for
parents and staff alike. Each function owns its transaction.

The rules:
- a parent reports for their children with a writable link, staff for the pupils they
  reach (app.access.absence_writable_clause); always current pupils;
- the reason must be switched on, and a parent never gets a staff-only one; "Overig" (a
  reason with needs_note) needs a note; a note may hold line breaks, no other control
  characters, at most 500 characters;
- "ochtend" (only the morning) is one day; an open report ("tot nader bericht") has no
  end; a parent reports from today up to a year ahead, staff also afterwards;
- **at most one open report per child**: a report may not overlap another report of the
  child that was not withdrawn (by half days: a morning at the dentist and an illness from
  that afternoon both fit), so there are never two open ones. The child rows are locked
  (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write lock serialises) so two parents
  reporting at the same moment give one report and one clear refusal;
- a parent changes or withdraws a report until it starts (app.absence.calendar.has_started),
  then only staff; "weer beter" (parents and staff) ends a started report: before today's
  cut-off on the previous school day (the child comes today; never before the first day),
  after it today.

Every change gets an audit entry on the child (field names only) and a notice
(app.absence.events) in the same transaction; the dispatcher is kicked after the commit.
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app import clock
from app.absence import calendar, events
from app.access import absence_writable_clause
from app.audit import record_change
from app.extensions import db
from app.formatting import date_nl
from app.models import ABSENCE_PARTS, AbsenceReason, AbsenceReport, Child, utcnow

NOTE_MAX = 500
AHEAD = timedelta(days=366)  # a parent reports at most a year ahead; staff a year back too
LONGEST = timedelta(days=366)  # and a report with an end lasts at most a year
STARTED = ("De afwezigheid is al begonnen; alleen de school kan haar nog wijzigen. "
           "Is uw kind weer beter? Meld dat dan.")
BY_SCHOOL = "Deze melding heeft de school gedaan; alleen de school kan haar wijzigen."
WITHDRAWN = "Deze melding is ingetrokken; u kunt haar niet meer wijzigen."
FIELDS = ("reason", "note", "start_date", "end_date", "part")


class AbsenceRefused(ValueError):
    """A report that cannot be made or changed like this; str() is the Dutch message and
    `field` the form field it belongs to (None: the whole form)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    """What a report says: from `start` (the whole day or only a part) to `end` (None: open)."""

    reason: AbsenceReason
    note: str
    start: object
    part: str
    end: object

    def half_days(self):
        """(first, last) half day, numbered from 1 January of year 1; last None: open."""
        first = self.start.toordinal() * 2 + (1 if self.part == "middag" else 0)
        if self.end is None:
            return first, None
        return first, self.end.toordinal() * 2 + (0 if self.part == "ochtend" else 1)


def _overlaps(one, other):
    (first_a, last_a), (first_b, last_b) = one.half_days(), other.half_days()
    return (last_b is None or first_a <= last_b) and (last_a is None or first_b <= last_a)


def period_of(report):
    return Period(report.reason, report.note, report.start_date, report.part, report.end_date)


def until_text(start, end):
    """ "tot nader bericht", "alleen op woensdag 2 december 2026", "tot en met ..."."""
    if end is None:
        return "tot nader bericht"
    if end == start:
        return f"alleen op {date_nl(start)}"
    return f"tot en met {date_nl(end)}"


# --- checking what a report says -----------------------------------------------------------

def clean_note(note, limit=NOTE_MAX, field="note", what="De toelichting"):
    """A free text as stored: line breaks kept (as \\n), no other control characters, at
    most `limit` characters; AbsenceRefused on `field` otherwise."""
    note = (note or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if any((ord(char) < 32 and char not in "\n\t") or 127 <= ord(char) < 160 or char in "\u2028\u2029"
           for char in note):
        raise AbsenceRefused(f"{what} bevat een teken dat niet in tekst hoort. Typ de tekst opnieuw.", field)
    if len(note) > limit:
        raise AbsenceRefused(f"{what} mag maximaal {limit} tekens zijn.", field)
    return note


def _check_reason(actor, reason, keep=None):
    """keep: the report's own reason, which stays allowed after the office switched it off."""
    if reason is None:
        raise AbsenceRefused("Kies een reden uit de lijst.", "reason")
    if keep is not None and reason.id == keep.id:
        return
    if not reason.active or (reason.staff_only and not actor.is_staff):
        raise AbsenceRefused("Kies een reden uit de lijst.", "reason")


def _check_dates(actor, period, today):
    start, end, part = period.start, period.end, period.part
    if part not in ABSENCE_PARTS:
        raise AbsenceRefused("Kies hele dag, alleen de ochtend of vanaf de middag.", "part")
    if actor.is_staff:
        if not today - AHEAD <= start <= today + AHEAD:
            raise AbsenceRefused("Kies een eerste dag binnen een jaar voor of na vandaag.", "start_date")
    elif start < today:
        raise AbsenceRefused("De eerste dag ligt in het verleden. Kies vandaag of een latere dag.", "start_date")
    elif start > today + AHEAD:
        raise AbsenceRefused("Kies een eerste dag binnen een jaar vanaf vandaag.", "start_date")
    if end is not None and end < start:
        raise AbsenceRefused("De laatste dag ligt vóór de eerste dag.", "end_date")
    if end is not None and end > start + LONGEST:
        raise AbsenceRefused("Kies een laatste dag binnen een jaar na de eerste dag, of ‘tot nader bericht’.",
                             "end_date")
    if part == "ochtend" and end != start:
        raise AbsenceRefused("Alleen de ochtend kan voor één dag: laat ‘Tot en met’ leeg of kies dezelfde dag.",
                             "end_date")
    if end is not None and not calendar.school_days_between(start, end):
        raise AbsenceRefused("In deze periode zijn geen schooldagen (weekend of vakantie): "
                             "daarvoor is geen melding nodig.", "start_date")


def check_period(actor, period, keep_reason=None, today=None):
    """Raise AbsenceRefused when `period` is not a report this actor may make."""
    _check_reason(actor, period.reason, keep_reason)
    if period.reason.needs_note and not period.note:
        raise AbsenceRefused(f"Schrijf bij ‘{period.reason.name}’ in de toelichting waarom uw kind afwezig is.",
                             "note")
    _check_dates(actor, period, today or clock.today())


# --- one open report per child ---------------------------------------------------------------

def _lock_children(actor, child_ids, refusal="Kies alleen kinderen uit de lijst."):
    """The children (current pupils this actor may report for) by id, locked for the rest
    of the transaction; AbsenceRefused when an id is not one of them."""
    ids = sorted(set(child_ids))
    if not ids:
        raise AbsenceRefused("Kies voor welk kind u de afwezigheid meldt.", "children")
    children = db.session.scalars(
        select(Child).where(Child.id.in_(ids), Child.left_at.is_(None), Child.group_id.is_not(None),
                            Child.erased_at.is_(None), absence_writable_clause(actor, Child.id))
        .order_by(Child.id).with_for_update(of=Child)).all()
    if len(children) != len(ids):
        raise AbsenceRefused(refusal, "children")
    return children


def _check_one_open(children, period, exclude_id=None):
    names = {child.id: child.first_name for child in children}
    query = (select(AbsenceReport)
             .where(AbsenceReport.child_id.in_(list(names)), AbsenceReport.withdrawn_at.is_(None),
                    or_(AbsenceReport.end_date.is_(None), AbsenceReport.end_date >= period.start))
             .order_by(AbsenceReport.start_date).options(joinedload(AbsenceReport.reason)))
    if exclude_id is not None:
        query = query.where(AbsenceReport.id != exclude_id)
    for other in db.session.scalars(query).unique():
        if _overlaps(period, period_of(other)):
            name, since = names[other.child_id], date_nl(other.start_date)
            if other.end_date is None:
                raise AbsenceRefused(
                    f"Voor {name} loopt al een melding vanaf {since} tot nader bericht. Een kind heeft maar één "
                    f"open melding: wijzig die melding, of meld {name} eerst weer beter.", "start_date")
            raise AbsenceRefused(
                f"Voor {name} loopt al een melding vanaf {since} {until_text(other.start_date, other.end_date)}. "
                "Kies andere dagen of wijzig die melding.", "start_date")


# --- the services ---------------------------------------------------------------------------

def _finish(changes):
    """Commit, then kick the dispatcher; on any error roll back (nothing stored)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    events.send_at_once()
    return changes


def create_reports(actor, children, reason, note, start_date, part, end_date):
    """One report per child (Child objects or ids) in one transaction; returns them.
    Raises AbsenceRefused (nothing stored)."""
    try:
        locked = _lock_children(actor, [getattr(child, "id", child) for child in children])
        period = Period(reason, clean_note(note), start_date, part, end_date)
        check_period(actor, period)
        _check_one_open(locked, period)
        late = calendar.is_late(start_date, part)
        reports = []
        for child in sorted(locked, key=lambda child: (child.first_name, child.last_name, child.id)):
            report = AbsenceReport(
                child=child, reason=reason, note=period.note, start_date=start_date, part=part, end_date=end_date,
                school_year=clock.school_year(start_date), late=late, excused=reason.excused,
                by_staff=actor.is_staff, reported_by_id=actor.id, updated_by_id=actor.id)
            db.session.add(report)
            reports.append(report)
        db.session.flush()
        for report in reports:
            record_change(actor, "child", report.child_id, "afwezigheid gemeld", ("absence",) + FIELDS)
            events.report_changed(report, actor, "nieuw")
    except Exception:
        db.session.rollback()
        raise
    return _finish(reports)


def _lock_report(actor, report):
    """The report again, its child and its own row locked; AbsenceRefused when the actor
    may not write it (the routes got it through app.access already)."""
    _lock_children(actor, [report.child_id], "U kunt deze melding niet (meer) wijzigen.")
    locked = db.session.scalars(select(AbsenceReport).where(AbsenceReport.id == report.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    if locked.withdrawn_at is not None:
        raise AbsenceRefused(WITHDRAWN)
    return locked


def _parent_may_still_change(actor, report):
    if actor.is_staff:
        return
    if report.reason is not None and report.reason.staff_only:
        raise AbsenceRefused(BY_SCHOOL)
    if calendar.has_started(report.start_date, report.part):
        raise AbsenceRefused(STARTED)


def change_report(actor, report, reason, note, start_date, part, end_date, excused=None):
    """Change what a report says. A parent only before it starts; staff always, also
    `excused` (geoorloofd; None: the reason's when the reason changes). Returns the
    changed field names (empty: nothing changed)."""
    try:
        report = _lock_report(actor, report)
        _parent_may_still_change(actor, report)
        period = Period(reason, clean_note(note), start_date, part, end_date)
        check_period(actor, period, keep_reason=report.reason)
        _check_one_open([report.child], period, exclude_id=report.id)
        changed = _apply(actor, report, period, excused)
        if changed:
            record_change(actor, "child", report.child_id, "afwezigheid gewijzigd", changed)
            events.report_changed(report, actor, "gewijzigd")
    except Exception:
        db.session.rollback()
        raise
    return _finish(changed)


def _apply(actor, report, period, excused):
    new = {"reason": period.reason, "note": period.note, "start_date": period.start, "end_date": period.end,
           "part": period.part}
    changed = [name for name, value in new.items() if getattr(report, name) != value]
    if not actor.is_staff or excused is None:
        excused = period.reason.excused if "reason" in changed else report.excused
    if excused != report.excused:
        changed.append("excused")
    if not changed:
        return []
    if "start_date" in changed or "part" in changed:
        report.late = calendar.is_late(period.start, period.part) if not actor.is_staff else report.late
        report.school_year = clock.school_year(period.start)
    for name, value in new.items():
        setattr(report, name, value)
    report.excused = excused
    report.updated_by_id = actor.id
    return changed


def withdraw_report(actor, report):
    """Withdraw a report (it keeps its row, counts nowhere). A parent only before it starts."""
    try:
        report = _lock_report(actor, report)
        _parent_may_still_change(actor, report)
        report.withdrawn_at = utcnow()
        report.updated_by_id = actor.id
        record_change(actor, "child", report.child_id, "afwezigheid ingetrokken", ("absence",))
        events.report_changed(report, actor, "ingetrokken")
    except Exception:
        db.session.rollback()
        raise
    return _finish(report)


def recovered_end(report, now=None):
    """The last day of absence when "weer beter" is reported now: before today's cut-off
    the previous school day (the child comes today), but never before the first day;
    after it, today."""
    now = now or clock.now()
    today = now.date()
    if calendar.has_started(today, "dag", now):
        return today
    return max(report.start_date, calendar.previous_school_day(today))


def recovery_refusal(report, now=None):
    """Why "weer beter" cannot be reported for this report now (a Dutch text), or None."""
    now = now or clock.now()
    if report.withdrawn_at is not None:
        return WITHDRAWN
    if not calendar.has_started(report.start_date, report.part, now):
        return ("Deze afwezigheid is nog niet begonnen. Gaat uw kind toch naar school? "
                "Trek de melding dan in.")
    end = recovered_end(report, now)
    if report.end_date is not None and report.end_date <= end:
        return (f"Deze melding loopt {until_text(report.start_date, report.end_date)}; "
                "weer beter melden is niet nodig.")
    return None


def report_recovered(actor, report):
    """ "Weer beter": end a started report that has not ended (parents and staff)."""
    try:
        report = _lock_report(actor, report)
        if not actor.is_staff and report.reason is not None and report.reason.staff_only:
            raise AbsenceRefused(BY_SCHOOL)
        refusal = recovery_refusal(report)
        if refusal:
            raise AbsenceRefused(refusal)
        report.end_date = recovered_end(report)
        report.recovered_at = utcnow()
        report.updated_by_id = actor.id
        record_change(actor, "child", report.child_id, "weer beter gemeld", ("end_date",))
        events.report_changed(report, actor, "beter")
    except Exception:
        db.session.rollback()
        raise
    return _finish(report)
