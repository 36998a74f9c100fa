"""The CSV export for the leerplicht administration (Beheer › Afwezigheid › Export).

Per group (or the whole school) and period (from .. until, inclusive): one row per report
that overlaps the period (withdrawn ones count nowhere), one row per leave request and
child that overlaps it (withdrawn requests left out). "Meldingen" and "Verlof" each give a
file with their own columns; "beide" gives one file with a first column "Soort regel"
(Melding / Verlof) and the columns of both, a cell empty where it does not apply. Every
cell goes through app.csv_export (formula cells neutralised; semicolons and a BOM for Excel).

School days and hours count within the period only; an open report ("tot nader bericht")
until today. Hours are app.absence.calendar.day_minutes's, excused or not.
"""
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app import clock
from app.absence.calendar import day_minutes, school_days_between
from app.absence.counts import hours_label
from app.absence.decisions import decided_by_officer
from app.extensions import db
from app.formatting import date_short_nl
from app.models import ABSENCE_PARTS, LEAVE_KINDS, LEAVE_STATUSES, AbsenceReport, Child, Group, LeaveRequest
from app.models import leave_request_children

WHAT = {"meldingen": "Meldingen", "verlof": "Verlof", "beide": "Meldingen en verlof (één bestand)"}
PUPIL_COLUMNS = ["Leerling", "Leerlingnummer", "Groep"]
REPORT_COLUMNS = PUPIL_COLUMNS + [
    "Reden", "Geoorloofd", "Van", "Dagdeel", "Tot en met", "Schooldagen in de periode", "Uren in de periode",
    "Gemeld door", "Na aanvang", "Toelichting"]
LEAVE_COLUMNS = PUPIL_COLUMNS + [
    "Soort verlof", "Van", "Tot en met", "Schooldagen", "Status", "Besluit", "Reden besluit", "Datum besluit"]
BOTH_COLUMNS = ["Soort regel"] + REPORT_COLUMNS + [name for name in LEAVE_COLUMNS if name not in REPORT_COLUMNS]
OPEN_END = "tot nader bericht"


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def overlaps(self, start, end):
        return start <= self.last and (end is None or end >= self.first)


def _pupil_cells(child):
    return {"Leerling": child.name, "Leerlingnummer": child.student_number or "",
            "Groep": child.group.name if child.group is not None else ""}


def _yes_no(value):
    return "ja" if value else "nee"


def _children_clause(column, group):
    if group is None:
        return column.is_not(None)
    return column.in_(select(Child.id).where(Child.group_id == group.id))


def report_rows(period, group=None, today=None):
    """[{column: value}] per report overlapping the period, by group, pupil and first day."""
    today = today or clock.today()
    reports = db.session.scalars(
        select(AbsenceReport).join(Child, Child.id == AbsenceReport.child_id).outerjoin(Group, Group.id == Child.group_id)
        .options(contains_eager(AbsenceReport.child).contains_eager(Child.group), joinedload(AbsenceReport.reason))
        .where(_children_clause(AbsenceReport.child_id, group), AbsenceReport.withdrawn_at.is_(None),
               AbsenceReport.start_date <= period.last,
               or_(AbsenceReport.end_date.is_(None), AbsenceReport.end_date >= period.first))
        .order_by(Group.sort_order, Child.sort_name, Child.id, AbsenceReport.start_date, AbsenceReport.id))
    days = school_days_between(period.first, period.last)
    rows = []
    for report in reports:
        last = min(report.end_date or today, period.last)
        covered = days[bisect_left(days, max(report.start_date, period.first)):bisect_right(days, last)]
        minutes = sum(day_minutes(report.part, day, report.start_date, report.end_date) for day in covered)
        rows.append(_pupil_cells(report.child) | {
            "Reden": report.reason.name, "Geoorloofd": _yes_no(report.excused),
            "Van": date_short_nl(report.start_date), "Dagdeel": ABSENCE_PARTS.get(report.part, report.part),
            "Tot en met": date_short_nl(report.end_date) if report.end_date else OPEN_END,
            "Schooldagen in de periode": len(covered), "Uren in de periode": hours_label(minutes),
            "Gemeld door": "school" if report.by_staff else "ouder", "Na aanvang": _yes_no(report.late),
            "Toelichting": report.note or "",
        })
    return rows


def _decision(request):
    if request.status == "doorgestuurd":
        return "doorgestuurd naar de leerplichtambtenaar"
    if request.status not in ("toegestaan", "geweigerd"):
        return ""
    who = "de leerplichtambtenaar" if decided_by_officer(request) else "de school"
    return f"{request.status} door {who}"


def leave_rows(period, group=None):
    """[{column: value}] per leave request and child overlapping the period."""
    requests = db.session.scalars(
        select(LeaveRequest).options(selectinload(LeaveRequest.children).joinedload(Child.group))
        .where(LeaveRequest.status != "ingetrokken", LeaveRequest.first_day <= period.last,
               LeaveRequest.last_day >= period.first,
               LeaveRequest.id.in_(select(leave_request_children.c.request_id)
                                   .where(_children_clause(leave_request_children.c.child_id, group))))
        .order_by(LeaveRequest.first_day, LeaveRequest.id))
    rows = []
    for request in requests:
        for child in request.children:
            if group is not None and child.group_id != group.id:
                continue
            rows.append((child, request, _pupil_cells(child) | {
                "Soort verlof": LEAVE_KINDS.get(request.kind, request.kind),
                "Van": date_short_nl(request.first_day), "Tot en met": date_short_nl(request.last_day),
                "Schooldagen": request.school_days, "Status": LEAVE_STATUSES.get(request.status, request.status),
                "Besluit": _decision(request), "Reden besluit": request.decision_reason or "",
                "Datum besluit": date_short_nl(request.decided_at or request.forwarded_at),
            }))
    rows.sort(key=lambda row: (row[0].group.sort_order if row[0].group else 10**6, row[0].sort_name, row[0].id,
                               row[1].first_day, row[1].id))
    return [cells for _, _, cells in rows]


def export_table(what, period, group=None, today=None):
    """(header, rows as lists) for what = "meldingen", "verlof" or "beide"."""
    if what == "meldingen":
        return REPORT_COLUMNS, [[row[name] for name in REPORT_COLUMNS] for row in report_rows(period, group, today)]
    if what == "verlof":
        return LEAVE_COLUMNS, [[row[name] for name in LEAVE_COLUMNS] for row in leave_rows(period, group)]
    rows = [{"Soort regel": "Melding"} | row for row in report_rows(period, group, today)]
    rows += [{"Soort regel": "Verlof"} | row for row in leave_rows(period, group)]
    return BOTH_COLUMNS, [[row.get(name, "") for name in BOTH_COLUMNS] for row in rows]


def filename(what, period, group=None):
    where = f"groep-{group.name}" if group is not None else "alle-groepen"
    safe = "".join(char if char.isalnum() or char in "-_" else "-" for char in where)
    return f"afwezigheid-{what}-{safe}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
